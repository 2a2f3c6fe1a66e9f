"""The version of the processing code: what a document's rows (and a cached batch) depend on."""

from __future__ import annotations

import hashlib
from importlib import metadata
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
# Change any of these and the rows they made are stale: cached batches expire and documents
# loaded with another version are processed again on the next run.
_PROCESSING_CODE = ("flows/read.py", "flows/parse.py", "flows/extract.py", "flows/process.py",
                    "flows/validate.py", "schemas/*.py")
_PROCESSING_LIBRARIES = ("pandas", "pandera", "pint")


def code_version() -> str:
    """Hash of the processing code and the versions of the libraries it leans on."""
    digest = hashlib.sha256()
    for pattern in _PROCESSING_CODE:
        for path in sorted(_ROOT.glob(pattern)):
            digest.update(path.relative_to(_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    for name in _PROCESSING_LIBRARIES:
        digest.update(f"{name}=={metadata.version(name)}".encode())
    return digest.hexdigest()[:16]


CODE_VERSION = code_version()
