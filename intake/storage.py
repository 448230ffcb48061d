"""Content-addressed store of uploaded files: a file's name is its SHA-256, never its upload name.

Files live under ``<root>/ab/cdef…`` (the first two hex digits as a folder). A file
is written to a temporary file in the same folder, flushed to disk and renamed into
place, so a reader never sees half a file; an existing file is never overwritten.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")


class Storage:
    """The upload store rooted at one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        """Where the file with this digest lives (ValueError for anything but a digest)."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError("not a SHA-256 hex digest")
        return self.root / sha256[:2] / sha256[2:]

    def store(self, data: bytes) -> str:
        """Keep the bytes durably and return their SHA-256 (hex); storing twice is harmless."""
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if target.exists():
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        _fsync_directory(target.parent)
        return digest

    def read(self, sha256: str) -> bytes:
        """The stored bytes (FileNotFoundError when absent)."""
        return self.path(sha256).read_bytes()

    def exists(self, sha256: str) -> bool:
        """True when a file with this digest is stored."""
        return self.path(sha256).exists()


def _fsync_directory(folder: Path) -> None:
    """Make the rename itself durable (POSIX only; a no-op where directories cannot be opened)."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
