"""Uploaded files, kept in the instance's own private folder until their import is done.

Every upload (an import file) is streamed into `<data dir>/uploads/<token>/` (folders
0700, files 0600, never the machine's shared temporary folder), with the size bound of
HAIHE_MAX_UPLOAD_MB enforced while it is copied; the uploader's user id is kept with it,
so that the error report the import leaves beside it is handed to the uploader only
(anyone else gets "not found"). The upload itself is deleted when the import is done;
reports older than a day are swept away by the next upload.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import Engine

from haihe.core.db import is_sqlite
from haihe.core.errors import InvalidInput, NotFound
from haihe.core.settings import get_settings

CHUNK = 1 << 16
KEEP_REPORTS_S = 24 * 3600
_OWNER = ".owner"


def max_upload_bytes() -> int:
    return get_settings().max_upload_mb * 1024 * 1024


def too_large() -> InvalidInput:
    return InvalidInput("upload.too_large", field="file", mb=get_settings().max_upload_mb)


def data_dir(engine: Engine | None = None) -> Path:
    """The instance's private folder: HAIHE_DATA_DIR, else beside the SQLite file."""
    chosen = get_settings().data_dir
    if chosen:
        return Path(chosen)
    db = engine.url.database if engine is not None and is_sqlite(engine) else None
    if db and db != ":memory:" and not db.startswith("file:"):
        return Path(db).resolve().parent / "haihe-data"
    return Path.cwd() / "haihe-data"


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def uploads_dir(engine: Engine | None = None) -> Path:
    root = _private_dir(data_dir(engine))
    return _private_dir(root / "uploads")


@dataclass(frozen=True)
class Upload:
    token: str
    path: Path

    def discard(self) -> None:
        """Delete the uploaded file (its error report, if any, stays for the uploader,
        readable by this instance only)."""
        self.path.unlink(missing_ok=True)
        for left in self.path.parent.iterdir():
            os.chmod(left, 0o600)
        if not any(p.name != _OWNER for p in self.path.parent.iterdir()):
            shutil.rmtree(self.path.parent, ignore_errors=True)


def store(source: BinaryIO, filename: str, owner: int | None, engine: Engine | None) -> Upload:
    """Copy `source` into a private folder of its own, at most HAIHE_MAX_UPLOAD_MB
    (InvalidInput beyond it, and nothing kept)."""
    root = uploads_dir(engine)
    _sweep(root)
    token = secrets.token_hex(16)
    folder = _private_dir(root / token)
    (folder / _OWNER).write_text("" if owner is None else str(owner))
    os.chmod(folder / _OWNER, 0o600)
    target = folder / Path(filename).name
    limit = max_upload_bytes()
    written = 0
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise too_large()
                out.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Upload(token, target)


def report(token: str, owner: int | None, engine: Engine | None) -> Path:
    """The error report an import of `token` left, for its uploader only."""
    folder = uploads_dir(engine) / token
    if not (len(token) == 32 and all(c in "0123456789abcdef" for c in token)):
        raise NotFound("import.report_gone")
    try:
        kept = (folder / _OWNER).read_text()
    except OSError:
        raise NotFound("import.report_gone") from None
    reports = sorted(folder.glob("*.errors.xlsx"))
    if owner is None or kept != str(owner) or not reports:
        raise NotFound("import.report_gone")
    return reports[0]


def _sweep(root: Path) -> None:
    """Forget folders older than a day (the report of an import long done)."""
    cutoff = time.time() - KEEP_REPORTS_S
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
