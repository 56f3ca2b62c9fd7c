"""A real, throwaway Docker registry (Debian `docker-registry`) on 127.0.0.1 with htpasswd auth.

Never use the package's /etc/docker/registry/config.yml: it listens on :5000 on all interfaces.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import oci

USER, USER2 = "authlint-e2e", "authlint-plain"


def tricky_password() -> str:
    """A random password with characters that break naive shell/JSON/printf handling.

    Basic auth splits at the FIRST ':', so ':' is legal and catches rsplit bugs. Kept <= 72 bytes
    (bcrypt's limit) but long enough that `user:password` (> 57 bytes) makes plain `base64` wrap.
    """
    return 'p "q" \\n $HOME `id` \'s\' :%s! #' + secrets.token_hex(16)


def basic_auth(user: str, password: str) -> str:
    """The `auth` value of a docker config: base64("user:password"), unwrapped."""
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def docker_auth_config(host: str, auth: str) -> str:
    """A compact DOCKER_AUTH_CONFIG / config.json text: {"auths":{HOST:{"auth":AUTH}}}."""
    return json.dumps({"auths": {host: {"auth": auth}}}, separators=(",", ":"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent() -> None:
    # Linux: SIGTERM the registry if pytest itself is killed, so no listener outlives the run.
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def _child_env() -> dict[str, str]:
    # docker-registry maps REGISTRY_* variables onto its config (REGISTRY_HTTP_ADDR would move the listener).
    return {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}


@dataclass
class Registry:
    host: str  # "127.0.0.1:PORT"
    user: str
    password: str  # tricky characters, see tricky_password()
    user2: str
    password2: str  # plain alphanumeric
    oci_layout: Path  # push source for skopeo: oci:<oci_layout>:latest
    workdir: Path
    proc: subprocess.Popen[bytes]

    @property
    def auth_b64(self) -> str:
        return basic_auth(self.user, self.password)

    @property
    def docker_auth_config(self) -> str:
        return docker_auth_config(self.host, self.auth_b64)

    @property
    def log(self) -> str:
        return (self.workdir / "registry.log").read_text(errors="replace")

    def write_authfile(self, path: Path, text: str | None = None) -> Path:
        """Write a config.json (default: right credentials for user 1) and return its path."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.docker_auth_config if text is None else text)
        return path

    def push(self, authfile: Path, repo: str = "e2e/hello:v1", timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Push the test image with skopeo using only `authfile` (an explicit --authfile disables other lookups)."""
        cmd = ["skopeo", "copy", "--quiet", "--authfile", str(authfile), "--dest-tls-verify=false",
               f"oci:{self.oci_layout}:latest", f"docker://{self.host}/{repo}"]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def tags(self, repo: str) -> list[str]:
        """Tags of `repo` straight from the registry API (as user2), independent of skopeo."""
        req = urllib.request.Request(f"http://{self.host}/v2/{repo}/tags/list",
                                     headers={"Authorization": f"Basic {basic_auth(self.user2, self.password2)}"})
        try:
            with _opener().open(req, timeout=10) as resp:
                return list(json.load(resp).get("tags") or [])
        except urllib.error.HTTPError as e:
            if e.code == 404:  # repository unknown
                return []
            raise

    def stop(self, timeout: float = 5) -> None:
        """Stop our own child by pid: SIGTERM (SIGINT may be ignored), then SIGKILL."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _htpasswd(user: str, password: str) -> str:
    # Passed as argv, never through a shell, so any password character is safe here.
    out = subprocess.run(["htpasswd", "-Bbn", user, password], capture_output=True, text=True, check=True)
    return out.stdout.strip() + "\n"


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never send 127.0.0.1 to a proxy


def _wait_ready(proc: subprocess.Popen[bytes], url: str, deadline: float) -> bool:
    """True once GET /v2/ answers 401 (auth is on); False if the process exited first."""
    opener = _opener()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            opener.open(url, timeout=1).close()
        except urllib.error.HTTPError as e:
            if e.code == 401:
                return True
        except OSError:
            pass  # not listening yet
        time.sleep(0.02)
    raise TimeoutError(f"registry did not answer 401 on {url} in time")


def start(workdir: Path, timeout: float = 10) -> Registry:
    """Start a registry with our own config in `workdir`; the caller must call .stop()."""
    workdir.mkdir(parents=True, exist_ok=True)
    password, password2 = tricky_password(), secrets.token_hex(12)
    (workdir / "htpasswd").write_text(_htpasswd(USER, password) + _htpasswd(USER2, password2))
    layout = workdir / "image"
    oci.write_layout(layout)
    deadline = time.monotonic() + timeout
    for _attempt in range(3):  # another process may grab the free port before the registry binds it
        port = free_port()
        config = {  # JSON is valid YAML and quotes the paths for us
            "version": "0.1",
            "log": {"level": "warn", "accesslog": {"disabled": True}},
            "storage": {"filesystem": {"rootdirectory": str(workdir / "data")}, "delete": {"enabled": True}},
            "http": {"addr": f"127.0.0.1:{port}", "secret": "e2e-not-a-secret"},
            "auth": {"htpasswd": {"realm": "authlint-e2e", "path": str(workdir / "htpasswd")}},
        }
        (workdir / "config.yml").write_text(json.dumps(config, indent=2))
        with open(workdir / "registry.log", "wb") as log:
            proc = subprocess.Popen(
                ["docker-registry", "serve", str(workdir / "config.yml")],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=_child_env(),
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
        reg = Registry(f"127.0.0.1:{port}", USER, password, USER2, password2, layout, workdir, proc)
        try:
            if _wait_ready(proc, f"http://{reg.host}/v2/", deadline):
                return reg
        except BaseException:
            reg.stop()
            raise
        if "address already in use" not in reg.log:
            break
    raise RuntimeError(f"docker-registry exited with {proc.returncode}:\n{reg.log}")
