"""Files kept with a record (a project's or a lead's attachments), served back as
downloads that no browser runs as a page or script of this site.

An attachment keeps the uploader's content type only when it is one of INERT_TYPES
(documents and images no browser runs as code; never HTML, SVG or script), else bytes
(application/octet-stream). It goes out as `attachment` with an ASCII fallback name and
the real one as RFC 5987 `filename*`, nosniff, and a policy that lets it run nothing even
if a browser opened it in place. Plain data only: the pages build the response.
What may be kept at all (named, not empty, at most 20 MB) is checked here too.
"""

from __future__ import annotations

from urllib.parse import quote

from haihe.core.errors import InvalidInput

BYTES = "application/octet-stream"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

# Types served as the uploader gave them: documents and images no browser runs as code.
INERT_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)
_TEXT = ("text/plain", "text/csv")


def base_name(filename: str | None) -> str:
    """The file's own name, without any folder a browser sent with it."""
    return (filename or "").replace("\\", "/").rsplit("/", 1)[-1]


def check_file(name: str, data: bytes, context: str) -> None:
    """A file fit to keep: named, not empty, at most MAX_ATTACHMENT_BYTES. Refused with
    the context's own words ("<context>.file_unnamed", ".file_empty", ".file_too_large")."""
    if not name:
        raise InvalidInput(f"{context}.file_unnamed", field="file")
    if not data:
        raise InvalidInput(f"{context}.file_empty", field="file", name=name)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput(
            f"{context}.file_too_large", field="file", name=name, mb=MAX_ATTACHMENT_BYTES // 2**20
        )


def inert_type(declared: str | None) -> str:
    """The uploader's content type (parameters dropped, lower case) if it is an inert
    one, else application/octet-stream: what an attachment is kept with."""
    base = (declared or "").split(";", 1)[0].strip().lower()
    return base if base in INERT_TYPES else BYTES


def served_type(declared: str | None) -> str:
    """The content type an attachment goes out with: its inert type (text as UTF-8)."""
    base = inert_type(declared)
    return f"{base}; charset=utf-8" if base in _TEXT else base


def content_disposition(filename: str) -> str:
    """`attachment` with an ASCII fallback name and the real one as RFC 5987 filename*."""
    fallback = (
        "".join(
            c if c.isascii() and (c.isalnum() or c in "._- ") else "_" for c in filename
        ).strip()
        or "attachment"
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download_headers(filename: str) -> dict[str, str]:
    """The headers of an attachment's download: a file to save, never sniffed into
    another type, sandboxed so it runs nothing if opened in place, never cached."""
    return {
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
        "Cache-Control": "private, no-store",
    }
