"""The one table-import kernel: column specs, per-row errors, the report, the error file.

Every import in Haihe (organisations, projects with their milestones, declared
placements) reads its file through this module and answers with one `ImportReport`:

    spec = Columns([Column("name", ("企业名称", "名称", "name"), required=True), ...])
    report = ImportReport(path, skip_invalid=skip_invalid)
    sheet = open_sheet(path, spec)           # InvalidInput: a problem with the whole file
    report.read(sheet)                       # its ignored columns, its encoding
    for n, cells in sheet.rows:
        report.rows += 1
        ...                                  # parse; report.reject(sheet, n, cells, errors)
    report.settle(commit, rollback)          # all or nothing, or each row wholly in or out
    report.finish()                          # FILE.errors.xlsx beside the input

An import that writes many rows reads, checks and matches the whole file first, writing
nothing (other users save as usual meanwhile), keeps what it decided in a `Staging` file,
and then writes it in one short transaction (`write_phase`), checking first whether the
database changed since it looked (`change_mark` / `changed_since`) and deciding again if
so: the write lock is held for the writing only, and the import is still all or nothing.

Headers are matched in Chinese or English after `header_key` (no spaces, no bracketed
unit, lower case); columns nobody asked for are reported as ignored. A bad row is named
with its row number, column, value and reason (a keyed InvalidInput, so in both
languages), and the rows to fix are written to an .xlsx the user corrects in Excel and
imports again.
"""

from __future__ import annotations

import fcntl
import json
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine

from haihe.core import db
from haihe.core.errors import HaiheError, InvalidInput, Unavailable
from haihe.core.i18n import t
from haihe.core.tabular import Table, header_key, made_at, open_table, write_xlsx

FIX_SHEET = "需修正的行 rows to fix"
DETAIL_SHEET = "错误明细 details"
# The columns the error report adds to the rows to fix: known to every import, so a
# corrected report imports again without them being reported as ignored.
REPORT_COLUMNS = ("错误 errors", "原行号 source row")


@dataclass(frozen=True)
class Column:
    """A field of an import and the headers that name it (Chinese first, then English)."""

    field: str
    headers: tuple[str, ...]
    required: bool = False

    @property
    def label(self) -> str:
        """How a message names the column: its first header and the field, 企业名称 / name."""
        return f"{self.headers[0]} / {self.field}"


@dataclass
class HeaderMap:
    """A file's header row read against a column spec."""

    headers: list[str]
    index: dict[str, int]  # field → its first column
    every: dict[str, list[int]]  # field → every column naming it
    ignored: list[str]  # headers no field and no known-unused column names
    missing: list[Column]  # required columns the header lacks

    def header(self, f: str) -> str:
        """The file's header of field `f` (the field's name when the file has none)."""
        i = self.index.get(f)
        return self.headers[i] if i is not None else f


class Columns:
    """The columns an import reads: field → accepted headers, required or not.

    `unused` are headers recognised but deliberately not stored (序号, 法定代表人, ...):
    they help find the header row and are not reported as ignored.
    """

    def __init__(self, columns: Iterable[Column], *, unused: Iterable[str] = ()) -> None:
        self.columns = tuple(columns)
        self._lookup = {header_key(h): c.field for c in self.columns for h in c.headers}
        self._unused = {header_key(h) for h in (*unused, *REPORT_COLUMNS)}

    def field_for(self, header: object) -> str | None:
        return self._lookup.get(header_key(header))

    def recognise(self, key: str) -> bool:
        """Whether a header (as header_key gives it) is one this import knows."""
        return key in self._lookup or key in self._unused

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    def needs(self) -> str:
        """The required columns, for messages."""
        return ", ".join(c.label for c in self.required) or ", ".join(
            c.label for c in self.columns[:1]
        )

    def map(self, headers: list[str]) -> HeaderMap:
        index: dict[str, int] = {}
        every: dict[str, list[int]] = {}
        ignored: list[str] = []
        for i, h in enumerate(headers):
            if not h:
                continue
            key = header_key(h)
            f = self._lookup.get(key)
            if f is not None:
                index.setdefault(f, i)
                every.setdefault(f, []).append(i)
            elif key not in self._unused:
                ignored.append(h)
        missing = [c for c in self.columns if c.required and c.field not in index]
        return HeaderMap(list(headers), index, every, ignored, missing)


@dataclass
class Sheet:
    """One table of an import file opened against its column spec."""

    table: Table
    columns: HeaderMap
    label: str | None = None  # None: the file's main table; else how messages name it

    @property
    def headers(self) -> list[str]:
        return self.table.headers

    @property
    def rows(self) -> Iterator[tuple[int, list[object]]]:
        return self.table.rows

    def close(self) -> None:
        self.table.close()


def open_sheet(
    path: Path,
    spec: Columns,
    *,
    sheet: int | str = 0,
    label: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Sheet:
    """Open a CSV file, or one sheet of an XLSX file, against `spec`.

    Raises InvalidInput for a problem with the whole file: missing, empty, unreadable, no
    recognisable header, a required column missing.
    """
    table = open_table(Path(path), spec.recognise, on_bytes, sheet=sheet, needs=spec.needs())
    mapped = spec.map(table.headers)
    if mapped.missing:
        table.close()
        names = ", ".join(c.label for c in mapped.missing)
        raise InvalidInput("import.missing_column", column=f"{label}: {names}" if label else names)
    return Sheet(table, mapped, label)


@dataclass
class RowError:
    """Why a row is kept out: its row number, the column, the value and the reason."""

    row: int
    column: str
    value: str
    problem: HaiheError  # an InvalidInput mostly; what a service refused the row with
    sheet: str | None = None  # None: the main table

    def message(self, lang: str = "zh") -> str:
        return self.problem.message(lang)

    @property
    def where(self) -> str:
        return f"{self.sheet}:{self.column}" if self.sheet else self.column

    def line(self, lang: str = "zh") -> str:
        return t(
            "import.error_line",
            lang,
            row=self.row,
            column=self.where,
            value=self.value[:60],
            reason=self.message(lang),
        )


@dataclass
class _Rejected:
    sheet: str | None
    row: int
    cells: list[object]
    errors: list[RowError]


@dataclass
class ImportReport:
    """What an import did, the same for every import.

    `rows` counts the data rows read (of every sheet); `created`, `updated` and
    `unchanged` count the records of the main table; `counts` holds an import's other
    written counts by name (printed with the message `import.<name>`, e.g.
    "milestones_recorded"). Written counts are zero when nothing was committed.
    """

    path: Path
    skip_invalid: bool = False
    file_problem: InvalidInput | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    encoding: str | None = None
    report_path: Path | None = None
    committed: bool = False
    _rejected: list[_Rejected] = field(default_factory=list, repr=False)
    _headers: dict[str | None, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.path = Path(self.path)

    # -- while reading --------------------------------------------------------------------
    def read(self, sheet: Sheet) -> None:
        """Note a sheet being read: its headers (for the error report), ignored columns."""
        self._headers.setdefault(sheet.label, sheet.headers)
        prefix = f"{sheet.label}:" if sheet.label else ""
        self.ignored_columns.extend(prefix + h for h in sheet.columns.ignored)
        if sheet.label is None:
            self.encoding = sheet.table.encoding

    def reject(
        self, sheet: Sheet | None, row: int, cells: list[object], errors: list[RowError]
    ) -> None:
        """Keep row `row` out for `errors` (its cells go to the rows to fix)."""
        label = sheet.label if sheet is not None else None
        for e in errors:
            e.sheet = label
        self.errors.extend(errors)
        self._rejected.append(_Rejected(label, row, list(cells), errors))

    @property
    def writing(self) -> bool:
        """Whether valid rows still go in: always with skip_invalid, else until a bad row."""
        return self.skip_invalid or not self.errors

    # -- the outcome ----------------------------------------------------------------------
    @property
    def bad(self) -> int:
        """How many rows (of every sheet) were kept out."""
        return len({(r.sheet, r.row) for r in self._rejected})

    @property
    def bad_rows(self) -> list[int]:
        """The numbers of the main table's rows kept out."""
        return sorted({r.row for r in self._rejected if r.sheet is None})

    @property
    def ok(self) -> bool:
        return self.file_problem is None and not self.errors

    @property
    def written(self) -> int:
        return self.created + self.updated if self.committed else 0

    def settle(self, commit: Callable[[], None], rollback: Callable[[], None]) -> None:
        """All or nothing: commit when the file is readable and no row is bad (or bad rows
        are skipped), else roll back and count nothing written."""
        if self.file_problem is None and self.rows == 0:
            self.file_problem = InvalidInput("file.header_only")
        order = list(self._headers)
        self._rejected.sort(key=lambda r: (order.index(r.sheet) if r.sheet in order else 0, r.row))
        self.errors = [e for r in self._rejected for e in r.errors]
        if self.file_problem is not None or (self.errors and not self.skip_invalid):
            rollback()
            self.created = self.updated = self.unchanged = 0
            self.counts = dict.fromkeys(self.counts, 0)
            self.committed = False
        else:
            commit()
            self.committed = True

    def audit_counts(self) -> dict[str, object]:
        """What the import's one audit entry records."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            **self.counts,
            "skipped": self.bad,
        }

    def finish(self, write_report: bool = True) -> ImportReport:
        """Write FILE.errors.xlsx beside the input when rows were kept out."""
        if self._rejected and write_report:
            self.report_path = write_error_report(self.path, self._headers, self._rejected)
        return self

    def failure(self) -> HaiheError | None:
        """The error a command ends with: the file's problem, or the bad rows that kept
        everything out (None when the import was committed)."""
        if self.file_problem is not None:
            return self.file_problem
        if not self.committed:
            return HaiheError("import.rolled_back", bad=self.bad)
        return None


def error_report_path(path: Path) -> Path:
    return Path(path).with_name(Path(path).stem + ".errors.xlsx")


def write_error_report(
    path: Path, headers: dict[str | None, list[str]], rejected: list[_Rejected]
) -> Path:
    """An .xlsx beside the input: each sheet's bad rows as they were plus what to fix (so
    the user can correct them in Excel and import that file again), then every error."""
    out = error_report_path(path)
    sheets: dict[str, tuple[list[str], list[list[object]]]] = {}
    for label, cols in headers.items():
        fix_rows = []
        for r in rejected:
            if r.sheet != label:
                continue
            cells = list(r.cells[: len(cols)]) + [None] * max(0, len(cols) - len(r.cells))
            reasons = "; ".join(f"{e.column}: {e.message('zh')}" for e in r.errors)
            fix_rows.append([*cells, reasons, r.row])
        if fix_rows or label is None:
            sheets[label or FIX_SHEET] = ([*cols, *REPORT_COLUMNS], fix_rows)
    detail = [
        [e.row, e.where, e.value, e.message("zh"), e.message("en")]
        for r in rejected
        for e in r.errors
    ]
    sheets[DETAIL_SHEET] = (["行号 row", "列 column", "值 value", "原因", "reason"], detail)
    about = [
        f"导入错误报告 import error report: {Path(path).name}",
        f"有问题的行 rows to fix: {len(rejected)}",
        f"{made_at('zh')} · {made_at('en')}",
    ]
    write_xlsx(out, sheets, about=about)
    return out


# -- read first, write at the end --------------------------------------------------------
# SQLite has one writer: a transaction that writes holds the write lock until it ends, so an
# import that wrote batch by batch while it read its file kept every other save waiting
# (or refused) for the whole file. Imports now read, check and match everything first
# (reads only: nobody waits), keep the outcome on disk, and write it in one transaction
# at the end.


class Staging:
    """What the read phase decided, batch by batch, kept in a private temporary file until
    the write phase reads it back in the same order (memory stays flat at any size).

    The file is the instance's own (its data folder, 0600) and already unlinked: nothing
    is left behind, whatever happens."""

    def __init__(self, engine: Engine | None = None) -> None:
        from haihe.core.uploads import data_dir

        folder = data_dir(engine)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 - closed by close()
        self.batches = 0

    def put(self, item: object) -> None:
        pickle.dump(item, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.batches += 1

    def __iter__(self) -> Iterator[object]:
        self._file.flush()
        self._file.seek(0)
        for _ in range(self.batches):
            yield pickle.load(self._file)  # noqa: S301 - our own file, written above

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def change_mark(conn: Connection) -> int | None:
    """A mark of the database's state before the read phase (SQLite's data_version: it
    moves whenever another connection commits), or None where there is none (PostgreSQL:
    the write phase then always checks again)."""
    return db.data_version(conn)


def changed_since(conn: Connection, mark: int | None) -> bool:
    """Inside the write phase: whether anyone committed since `mark` was taken (then what
    the read phase matched must be matched again before it is written)."""
    return mark is None or change_mark(conn) != mark


def write_phase(conn: Connection):  # noqa: ANN201
    """Begin the import's one write transaction on `conn` (returned, to commit or roll
    back). On SQLite the write lock is taken at once (BEGIN IMMEDIATE, waiting as every
    writer does), so that what is checked next stays true until the commit."""
    if conn.in_transaction():
        conn.rollback()  # the read phase's snapshot ends here
    trans = conn.begin()
    db.take_write_lock(conn)
    return trans


# -- one import at a time -------------------------------------------------------------------
# An import holds the database's write lock while it writes (its write phase): imports
# take their turn through one lock per instance, so a second waits briefly and is then told
# in words that one is running (503, retry later) instead of failing on the database lock;
# the import page shows the running one. Other writes wait for the lock (core/db.py's
# busy timeout) and are told to retry past it.

IMPORT_WAIT_S = 5


@dataclass(frozen=True)
class RunningImport:
    who: str
    filename: str
    since: datetime


def _slot_paths(engine: Engine | None) -> tuple[Path, Path]:
    from haihe.core.uploads import data_dir

    folder = data_dir(engine)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / "import.lock", folder / "import.running.json"


def running_import(engine: Engine | None) -> RunningImport | None:
    """The import running on this instance now, if any."""
    lock, info = _slot_paths(engine)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                d = json.loads(info.read_text("utf-8"))
                return RunningImport(d["who"], d["filename"], datetime.fromisoformat(d["since"]))
            except (OSError, ValueError, KeyError):
                return RunningImport("?", "?", datetime.now(UTC))
        return None
    finally:
        os.close(fd)


@contextmanager
def import_slot(
    engine: Engine | None, who: str, filename: str, wait_s: float = IMPORT_WAIT_S
) -> Iterator[None]:
    """Hold the instance's one import slot; Unavailable (naming the running import) when
    another import still holds it after `wait_s` seconds."""
    lock, info = _slot_paths(engine)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    running = running_import(engine)
                    raise Unavailable(
                        "import.busy",
                        who=running.who if running else "?",
                        file=running.filename if running else "?",
                        since=running.since.strftime("%H:%M") if running else "?",
                        retry_after=30,
                    ) from None
                time.sleep(0.2)
        since = datetime.now(UTC).isoformat()
        info.write_text(json.dumps({"who": who, "filename": filename, "since": since}), "utf-8")
        os.chmod(info, 0o600)
        try:
            yield
        finally:
            info.unlink(missing_ok=True)
    finally:
        os.close(fd)
