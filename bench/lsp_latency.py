#!/usr/bin/env python3
"""Editor latency: didChange -> publishDiagnostics of `authlint lsp` over stdio.

Opens bench/run.py's generated 2,000-line pipeline, then sends edits one at a
time (each changes one script line somewhere in the file, as typing does) and
times from writing the didChange to reading the diagnostics published for that
version.  Prints the median and the spread; --json for a machine-readable line.
Wall times depend on what else the machine runs: the server's own CPU time from
didChange to diagnostics (all its threads, from /proc on Linux) is printed too.

Run:  .venv/bin/python bench/lsp_latency.py [--edits 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import BIN, large_pipeline  # noqa: E402


class Client:
    """A minimal JSON-RPC client over the server's stdin/stdout."""

    def __init__(self, argv: list[str], cwd: str) -> None:
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.inbox: queue.Queue = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            self.inbox.put((time.perf_counter(), json.loads(out.read(length))))

    def send(self, method: str, params: dict, request: bool = False) -> int | None:
        msg: dict = {"jsonrpc": "2.0", "method": method, "params": params}
        if request:
            self.next_id += 1
            msg["id"] = self.next_id
        body = json.dumps(msg).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()
        return msg.get("id")

    def wait(self, match, timeout: float = 60.0) -> tuple[float, dict]:
        deadline = time.monotonic() + timeout
        while True:
            at, msg = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            if msg.get("id") is not None and "method" in msg:  # a request from the server: answer it
                self._answer(msg)
            elif match(msg):
                return at, msg

    def _answer(self, msg: dict) -> None:
        result = [None] * len(msg["params"].get("items", [])) if msg["method"] == "workspace/configuration" else None
        body = json.dumps({"jsonrpc": "2.0", "id": msg["id"], "result": result}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def close(self) -> None:
        try:
            rid = self.send("shutdown", {}, request=True)
            self.wait(lambda m: m.get("id") == rid, timeout=10)
            self.send("exit", {})
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()


def server_cpu(pid: int) -> float | None:
    """CPU seconds the process's threads ran so far (Linux /proc/PID/task/*/schedstat, ns), or None."""
    try:
        return sum(int(Path(t, "schedstat").read_text().split()[0]) for t in Path(f"/proc/{pid}/task").iterdir()) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def diagnostics_for(uri: str, version: int):
    return lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri and m["params"].get("version") == version


def measure(edits: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="authlint-lsp-bench-") as tmp:
        path = Path(tmp) / ".gitlab-ci.yml"
        text = large_pipeline()
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        client = Client([str(BIN / "authlint"), "lsp"], tmp)
        try:
            rid = client.send("initialize", {"processId": os.getpid(), "rootUri": Path(tmp).as_uri(), "capabilities": {}}, request=True)
            client.wait(lambda m: m.get("id") == rid)
            client.send("initialized", {})
            client.send("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
            client.wait(diagnostics_for(uri, 1))
            lines = text.split("\n")
            targets = [i for i, line in enumerate(lines) if line.strip().startswith("- echo \"done testing")]
            times, cpu = [], []
            for n in range(edits):
                i = targets[(n // 2 * 7) % len(targets)]  # a "!" typed, then deleted again
                lines[i] = lines[i].replace("done testing", "done testing!", 1) if n % 2 == 0 else lines[i].replace("testing!", "testing", 1)
                version = n + 2
                before = server_cpu(client.proc.pid)
                sent = time.perf_counter()
                client.send("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                        "contentChanges": [{"text": "\n".join(lines)}]})
                got, _ = client.wait(diagnostics_for(uri, version))
                times.append(got - sent)
                after = server_cpu(client.proc.pid)
                if before is not None and after is not None:
                    cpu.append(after - before)
                time.sleep(0.1)  # a pause between keystrokes: each edit is linted on its own
        finally:
            client.close()
    return {"lines": text.count("\n"), "edits": edits, "median_s": statistics.median(times),
            "min_s": min(times), "max_s": max(times), "cpu_median_s": statistics.median(cpu) if cpu else None,
            "load": os.getloadavg()[0]}


def describe(r: dict) -> str:
    cpu = f", server CPU median {r['cpu_median_s'] * 1000:.0f} ms" if r.get("cpu_median_s") is not None else ""
    return (f"{r['lines']}-line pipeline, {r['edits']} edits: didChange -> diagnostics median "
            f"{r['median_s'] * 1000:.0f} ms (min {r['min_s'] * 1000:.0f}, max {r['max_s'] * 1000:.0f}){cpu}; "
            f"load average {r['load']:.1f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--edits", type=int, default=30)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    r = measure(args.edits)
    if args.json:
        print(json.dumps(r))
    else:
        print(describe(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
