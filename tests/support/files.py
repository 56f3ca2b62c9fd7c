"""Writing a project tree in a test: exact bytes, no newline translation (CRLF tests need it)."""

from __future__ import annotations

from pathlib import Path


def write(root: Path, files: dict[str, str | bytes], executable: tuple[str, ...] = ()) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8", newline="")
        if rel in executable:
            p.chmod(0o755)
    return root
