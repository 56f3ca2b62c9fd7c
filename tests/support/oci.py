"""Write a tiny, deterministic OCI image layout (one tar layer, one file) with the stdlib only.

skopeo can push it with `oci:<dir>:latest`, so e2e tests need neither docker nor a base image.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"


def _layer(name: str, content: bytes) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(content), 0o644, 0  # fixed metadata: same bytes every run
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()


def _json(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()


def write_layout(
    dest: Path, *, name: str = "hello.txt", content: bytes = b"hello from authlint e2e\n", tag: str = "latest"
) -> str:
    """Write the layout into `dest` and return the manifest digest ("sha256:...")."""
    blobs = dest / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)

    def put(data: bytes, media_type: str) -> dict[str, object]:
        hexdigest = hashlib.sha256(data).hexdigest()
        (blobs / hexdigest).write_bytes(data)
        return {"mediaType": media_type, "digest": f"sha256:{hexdigest}", "size": len(data)}

    layer = put(_layer(name, content), LAYER)
    config = put(
        _json({"architecture": "amd64", "os": "linux", "config": {},
               "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}}),  # uncompressed: diff_id == digest
        CONFIG,
    )
    manifest = put(_json({"schemaVersion": 2, "mediaType": MANIFEST, "config": config, "layers": [layer]}), MANIFEST)
    manifest["annotations"] = {"org.opencontainers.image.ref.name": tag}
    index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [manifest]}
    (dest / "index.json").write_bytes(_json(index))
    (dest / "oci-layout").write_bytes(_json({"imageLayoutVersion": "1.0.0"}))
    return str(manifest["digest"])
