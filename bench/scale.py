#!/usr/bin/env python3
"""Scale benchmark: a fleet of standalone projects (bench/fleet.py), cold and warm,
with peak memory, against detect-secrets-hook on the same files; and the editor's
didChange -> diagnostics latency (bench/lsp_latency.py).

Rows, per fleet size (default 1,000 and 10,000 projects):
  cold          `authlint check --no-cache` (a fork pool above a few dozen projects)
  cold, 1 proc  the same with AUTHLINT_JOBS=1
  warm          `authlint check` with the cache filled by a previous run
  detect-secrets-hook on every file of the fleet (1,000 only: --peers-max)

Wall time is the median of --repeat runs; CPU is user + sys of the process tree;
peak memory is the largest sum of the resident sets of the process tree (sampled
every 10 ms from /proc; a fork pool's shared pages count once per process, so
this overstates it) and, beside it, the largest single process.
The fleet's mtimes are set 10 s into the past, as in a checkout: the cache
trusts the stamps of files older than the filesystem's timestamp granularity.

Run:  .venv/bin/python bench/scale.py [--sizes 1000 10000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import fleet  # noqa: E402
import lsp_latency  # noqa: E402
from run import BIN, chunks  # noqa: E402


def tree_rss_kib(pid: int) -> tuple[int, int]:
    """(sum, largest) resident set of pid and its descendants, in KiB (Linux /proc)."""
    total, largest, todo = 0, 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                rss = next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            total, largest = total + rss, max(largest, rss)
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except (OSError, ValueError):
            continue
    return total, largest


def timed(argv_list: list[list[str]], cwd: Path, env: dict[str, str]) -> dict:
    """Run the commands one after the other; wall, CPU, peak tree RSS and largest process."""
    wall = cpu = 0.0
    peak = largest = 0
    for argv in argv_list:
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples: list[tuple[int, int]] = [(0, 0)]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.01):
                samples.append(tree_rss_kib(proc.pid))

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        _, err = proc.communicate()
        done.set()
        t.join()
        wall += time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu += (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
        peak = max([peak, *(s[0] for s in samples)])
        largest = max([largest, *(s[1] for s in samples)])
        if proc.returncode not in (0, 1) or b"Traceback" in err:
            raise SystemExit(f"`{' '.join(argv[:3])} ...` failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return {"wall_s": wall, "cpu_s": cpu, "peak_tree_mib": peak / 1024, "largest_process_mib": largest / 1024}


def repeat(n: int, run) -> dict:
    runs = [run() for _ in range(n)]
    out = {k: statistics.median(r[k] for r in runs) for k in ("wall_s", "cpu_s")}
    out["peak_tree_mib"] = max(r["peak_tree_mib"] for r in runs)
    out["largest_process_mib"] = max(r["largest_process_mib"] for r in runs)
    return out


def age(root: Path, seconds: int = 10) -> None:
    when = time.time_ns() - seconds * 1_000_000_000
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*filenames, *dirnames, "."]:
            os.utime(os.path.join(dirpath, name), ns=(when, when))


def bench_fleet(size: int, reps: int, peers: bool, scratch: Path) -> dict:
    root = scratch / f"fleet{size}"
    fleet.generate(root, size)
    age(root)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    env = {**os.environ}
    env.pop("AUTHLINT_JOBS", None)
    authlint = [str(BIN / "authlint"), "check", "--exit-zero"]
    out: dict = {"projects": size, "files": len(files)}
    say(f"fleet {size}: cold")
    out["cold"] = repeat(reps, lambda: timed([[*authlint, "--no-cache", "."]], root, env))
    say(f"fleet {size}: cold, one process")
    out["cold_one_process"] = repeat(reps, lambda: timed([[*authlint, "--no-cache", "."]], root, {**env, "AUTHLINT_JOBS": "1"}))
    say(f"fleet {size}: warm")
    timed([[*authlint, "."]], root, env)  # fills the cache
    out["warm"] = repeat(reps, lambda: timed([[*authlint, "."]], root, env))
    if peers:
        say(f"fleet {size}: detect-secrets-hook")
        hook = str(BIN / "detect-secrets-hook")
        out["detect_secrets"] = repeat(reps, lambda: timed([[hook, *part] for part in chunks(files)], root, env))
    return out


def say(msg: str) -> None:
    print(f"[scale] {msg}", file=sys.stderr, flush=True)


def render(result: dict) -> str:
    lines = [f"authlint scale benchmark ({result['cpus']} CPUs, load before/after {result['load'][0]:.1f}/{result['load'][1]:.1f})",
             "| workload | wall | CPU | peak (tree) | largest process | vs detect-secrets-hook |",
             "|---|---|---|---|---|---|"]
    for f in result["fleets"]:
        ds = f.get("detect_secrets")
        for key, label in (("cold", "cold"), ("cold_one_process", "cold, one process"), ("warm", "warm"), ("detect_secrets", "detect-secrets-hook")):
            if key not in f:
                continue
            r = f[key]
            ratio = f"{r['wall_s'] / ds['wall_s']:.2f}x" if ds and key != "detect_secrets" else ""
            lines.append(f"| {f['projects']:,} projects, {label} | {r['wall_s']:.2f} s | {r['cpu_s']:.2f} s | "
                         f"{r['peak_tree_mib']:.0f} MiB | {r['largest_process_mib']:.0f} MiB | {ratio} |")
    if len(result["fleets"]) >= 2:
        a, b = result["fleets"][0], result["fleets"][-1]
        lines.append(f"peak at {b['projects']:,} / peak at {a['projects']:,} projects (largest process, cold): "
                     f"{b['cold']['largest_process_mib'] / a['cold']['largest_process_mib']:.2f}")
    if result.get("lsp"):
        lines.append("language server, " + lsp_latency.describe(result["lsp"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peers-max", type=int, default=1000, help="run detect-secrets-hook only up to this fleet size")
    ap.add_argument("--lsp-edits", type=int, default=30, help="0: skip the language-server latency")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    load0 = os.getloadavg()[0]
    result: dict = {"cpus": os.cpu_count(), "fleets": []}
    with tempfile.TemporaryDirectory(prefix="authlint-scale-") as tmp:
        for size in args.sizes:
            reps = args.repeat if size <= 1000 else 1
            result["fleets"].append(bench_fleet(size, reps, size <= args.peers_max, Path(tmp)))
            say(json.dumps(result["fleets"][-1]))  # partial results survive an interrupted run
    if args.lsp_edits:
        say("language server latency")
        result["lsp"] = lsp_latency.measure(args.lsp_edits)
    result["load"] = (load0, os.getloadavg()[0])
    print(json.dumps(result, indent=2) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
