"""Reading and writing the spreadsheets users bring: CSV (any Chinese encoding) and XLSX.

The file layer of the import kernel (core/importing.py holds the rest). Files are
streamed row by row, so a file of hundreds of megabytes reads in flat memory; the header
row is found among the first rows (real exports often carry a title row above it) by the
columns it recognises. An XLSX file's sheets are opened by name or position.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from haihe.core.errors import InvalidInput

SAMPLE_BYTES = 1 << 20
HEADER_SCAN_ROWS = 10


def detect_encoding(sample: bytes) -> str:
    """utf-8-sig, utf-8 or gb18030 (a superset of GBK and GB2312), from a leading sample."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(sample, final=False)  # a character cut at the end is not an error
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        return "utf-8"  # undecodable bytes become U+FFFD and are reported per row


def header_key(text: object) -> str:
    """A header as compared: NFKC, no spaces, no bracketed unit, lower case."""
    t = unicodedata.normalize("NFKC", str(text or "")).strip().lower()
    t = re.sub(r"[(\[（【].*?[)\]）】]", "", t)
    t = re.sub(r"[\s_*：:]+", "", t)
    return t


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes handed on, for a progress bar."""

    def __init__(self, raw: io.BufferedReader, on_bytes: Callable[[int], None] | None) -> None:
        self.raw = raw
        self.on_bytes = on_bytes

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # noqa: ANN001
        n = self.raw.readinto(b)
        if n and self.on_bytes:
            self.on_bytes(n)
        return n or 0


@dataclass
class Table:
    """A file opened for reading: its header row and a stream of data rows."""

    path: Path
    header_row: int  # 1-based, as a spreadsheet shows it
    headers: list[str]
    rows: Iterator[tuple[int, list[object]]]
    encoding: str | None
    size_bytes: int

    def close(self) -> None:
        close = getattr(self.rows, "close", None)
        if close:
            close()


XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv", "")


def is_workbook(path: Path) -> bool:
    return Path(path).suffix.lower() in XLSX_SUFFIXES


def open_table(
    path: Path,
    recognise: Callable[[str], bool],
    on_bytes: Callable[[int], None] | None = None,
    *,
    sheet: int | str = 0,
    needs: str = "",
) -> Table:
    """Open a .csv file, or one sheet of an .xlsx file (by position or title), and find its
    header row.

    `recognise(key)` says whether a header (as `header_key` gives it) names a known
    column; the header row is the first of the leading rows with the most recognised
    headers. Raises InvalidInput for a missing, empty or unreadable file and for a file with
    no recognisable header (`needs` names the columns a header must have, for that message).
    """
    path = Path(path)
    if not path.exists():
        raise InvalidInput("file.not_found", path=str(path))
    size = path.stat().st_size
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return _open_xlsx(path, recognise, size, sheet, needs)
    if suffix in CSV_SUFFIXES:
        return _open_csv(path, recognise, on_bytes, size, needs)
    raise InvalidInput("file.unsupported", suffix=suffix or path.name)


def sheet_titles(path: Path) -> list[str]:
    """The titles of an .xlsx file's sheets, in order (a CSV file is one untitled sheet)."""
    path = Path(path)
    if not is_workbook(path) or not path.exists() or path.stat().st_size == 0:
        return [""]
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput("file.bad_xlsx", reason=str(exc)) from exc
    titles = list(wb.sheetnames)
    wb.close()
    return titles


def _pick_header(
    lead: list[tuple[int, list[object]]], recognise: Callable[[str], bool], needs: str
) -> tuple[int, list[str]]:
    best, best_score = -1, 0
    for i, (_, cells) in enumerate(lead):
        score = sum(1 for c in cells if c not in (None, "") and recognise(header_key(c)))
        if score > best_score:
            best, best_score = i, score
    if best < 0:
        raise InvalidInput("file.no_header", columns=needs)
    return best, [str(c).strip() if c is not None else "" for c in lead[best][1]]


def _open_csv(
    path: Path,
    recognise: Callable[[str], bool],
    on_bytes: Callable[[int], None] | None,
    size: int,
    needs: str,
) -> Table:
    if size == 0:
        raise InvalidInput("file.empty")
    with path.open("rb") as f:
        sample = f.read(SAMPLE_BYTES)
    if not sample.strip(b"\r\n\t ,\xef\xbb\xbf"):
        raise InvalidInput("file.empty")
    encoding = detect_encoding(sample)
    raw = path.open("rb")
    text = io.TextIOWrapper(
        io.BufferedReader(_CountingReader(raw, on_bytes), 1 << 16),
        encoding=encoding,
        errors="replace",
        newline="",
    )
    first = sample[:4096].decode(encoding, errors="ignore")
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = _csv_rows(csv.reader(text, delimiter=delimiter), max_rows())

    lead: list[tuple[int, list[object]]] = []
    try:
        for n, row in reader:
            if any(c.strip() for c in row):
                lead.append((n, list(row)))
            if len(lead) >= HEADER_SCAN_ROWS:
                break
    except InvalidInput:
        text.close()
        raise
    if not lead:
        text.close()
        raise InvalidInput("file.empty")
    try:
        idx, headers = _pick_header(lead, recognise, needs)
    except InvalidInput:
        text.close()
        raise
    header_row = lead[idx][0]

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            yield from lead[idx + 1 :]
            for n, row in reader:
                if any(c.strip() for c in row):
                    yield n, list(row)
        finally:
            text.close()

    return Table(path, header_row, headers, rows(), encoding, size)


def max_rows() -> int:
    from haihe.core.settings import get_settings

    return get_settings().import_max_rows


def max_columns() -> int:
    from haihe.core.settings import get_settings

    return get_settings().import_max_columns


def _csv_rows(reader: Iterator[list[str]], limit: int) -> Iterator[tuple[int, list[str]]]:
    """The reader's rows numbered from 1; a field beyond csv's limit, a malformed line or
    more rows than an import takes is an InvalidInput naming the row (not a crash)."""
    n = 0
    while True:
        n += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise InvalidInput(
                    "file.field_too_long", row=n, limit=csv.field_size_limit()
                ) from None
            raise InvalidInput("file.bad_csv", row=n, reason=str(exc)) from None
        if n > limit + HEADER_SCAN_ROWS:
            raise InvalidInput("file.too_many_rows", limit=limit)
        yield n, row


# An .xlsx file is a zip of XML: its members are bounded before anything is unpacked (the
# sizes a zip declares bound what reading it yields).
XLSX_MAX_ENTRIES = 1_000
XLSX_MAX_UNPACKED = 1 << 30  # 1 GiB of XML: far beyond a million rows of an import
XLSX_MAX_RATIO = 200  # unpacked / packed of one large member (XML packs 10-30 times)


def _check_zip(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput("file.bad_xlsx", reason=str(exc)) from exc
    unpacked = sum(m.file_size for m in members)
    if len(members) > XLSX_MAX_ENTRIES:
        raise InvalidInput("file.xlsx_bomb", reason=f"{len(members)} members")
    if unpacked > XLSX_MAX_UNPACKED:
        raise InvalidInput("file.xlsx_bomb", reason=f"{unpacked // (1 << 20)} MB unpacked")
    for m in members:
        if m.file_size > (16 << 20) and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
            raise InvalidInput(
                "file.xlsx_bomb", reason=f"{m.filename}: {m.file_size // m.compress_size}x"
            )


def _open_xlsx(
    path: Path, recognise: Callable[[str], bool], size: int, sheet: int | str, needs: str
) -> Table:
    """One sheet, read in read-only mode without trusting its declared size: a sheet
    declaring more rows or columns than an import takes is refused before it is read, and
    the rows read are bounded whatever it declares (a declared A1:XFD1048576 made the
    reader pad every missing row to 16,384 cells)."""
    from openpyxl import load_workbook

    if size == 0:
        raise InvalidInput("file.empty")
    _check_zip(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput("file.bad_xlsx", reason=str(exc)) from exc
    ws = wb[sheet] if isinstance(sheet, str) else wb.worksheets[sheet]
    rows_limit, cols_limit = max_rows(), max_columns()
    declared_rows, declared_cols = ws.max_row or 0, ws.max_column or 0
    if declared_rows > rows_limit + HEADER_SCAN_ROWS or declared_cols > cols_limit:
        wb.close()
        raise InvalidInput(
            "file.too_large_sheet",
            rows=declared_rows,
            columns=declared_cols,
            max_rows=rows_limit,
            max_columns=cols_limit,
        )
    width = declared_cols  # rows are padded to it, as openpyxl did, and to nothing more
    ws.reset_dimensions()
    it = _xlsx_rows(ws.iter_rows(values_only=True), width, rows_limit, cols_limit)
    lead: list[tuple[int, list[object]]] = []
    try:
        for n, row in it:
            if any(c not in (None, "") for c in row):
                lead.append((n, list(row)))
            if len(lead) >= HEADER_SCAN_ROWS:
                break
    except InvalidInput:
        wb.close()
        raise
    if not lead:
        wb.close()
        raise InvalidInput("file.empty")
    try:
        idx, headers = _pick_header(lead, recognise, needs)
    except InvalidInput:
        wb.close()
        raise
    while headers and headers[-1] == "":
        headers.pop()

    def rows() -> Iterator[tuple[int, list[object]]]:
        try:
            yield from lead[idx + 1 :]
            for n, row in it:
                if any(c not in (None, "") for c in row):
                    yield n, list(row)
        finally:
            wb.close()

    return Table(path, lead[idx][0], headers, rows(), None, size)


def _xlsx_rows(
    rows: Iterator[tuple[object, ...]], width: int, rows_limit: int, cols_limit: int
) -> Iterator[tuple[int, tuple[object, ...]]]:
    """Rows numbered from 1 and padded to `width`; InvalidInput past the bounds."""
    for n, row in enumerate(rows, start=1):
        if n > rows_limit + HEADER_SCAN_ROWS:
            raise InvalidInput("file.too_many_rows", limit=rows_limit)
        if len(row) > cols_limit:
            if any(c not in (None, "") for c in row[cols_limit:]):
                raise InvalidInput("file.too_many_columns", row=n, limit=cols_limit)
            row = row[:cols_limit]
        if len(row) < width:
            row = (*row, *(None,) * (width - len(row)))
        yield n, row


# Writing: the one place every export goes through -----------------------------------------
#
# Formula injection (OWASP "CSV injection"): a text cell beginning with = + - @ (or a tab or
# carriage return) would run as a formula in Excel. XLSX cells take such text as a string
# (data type "s", shown with a quote prefix), CSV fields get a leading apostrophe.

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
YI_FORMAT = '#,##0.00" 亿元"'  # money cells: numbers in the unit their header says
WAN_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"


def dangerous(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_field(value: object) -> object:
    """A CSV field that no spreadsheet runs as a formula (OWASP's leading-apostrophe rule)."""
    if value is None:
        return ""
    if dangerous(value):
        return "'" + value  # type: ignore[operator]
    return value


def xlsx_cell(ws, value: object, number_format: str | None = None):  # noqa: ANN001, ANN201
    """A cell for `ws` (write-only or not): text that looks like a formula stays text."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, Decimal) and not value.is_finite():
        value = str(value)
    cell = WriteOnlyCell(ws, value=value)
    if dangerous(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    if number_format and isinstance(value, (int, float, Decimal)):
        cell.number_format = number_format
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def append_row(ws, values: list[object], formats: dict[int, str] | None = None, bold=False) -> None:  # noqa: ANN001, FBT002
    """Append one row of values to `ws`, every cell through xlsx_cell."""
    from openpyxl.styles import Font

    cells = []
    for i, v in enumerate(values):
        cell = xlsx_cell(ws, v, (formats or {}).get(i))
        if bold:
            cell.font = Font(bold=True)
        cells.append(cell)
    ws.append(cells)


def prepare_sheet(ws, widths: list[int], header_row: int = 1) -> None:  # noqa: ANN001
    """Columns sized to read and the rows down to the header frozen (call before writing
    rows: write-only sheets take their layout first)."""
    from openpyxl.utils import get_column_letter

    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = f"A{header_row + 1}"


def width_of(texts: list[object], least: int = 8, most: int = 60) -> int:
    """A column width for its header and some values (CJK characters count double)."""
    longest = 0
    for x in texts:
        text = "" if x is None else str(x)
        longest = max(longest, sum(2 if ord(ch) > 0x2E7F else 1 for ch in text))
    return max(least, min(most, longest + 2))


def write_xlsx(
    path: Path,
    sheets: dict[str, tuple[list[str], list[list[object]]]],
    about: list[str] | None = None,
) -> None:
    """Write sheets of (headers, rows) in streaming mode (write_only): header frozen and
    bold, columns sized, text never a formula; `about` (what it covers, when it was made)
    goes on a last sheet, so that the first sheet stays one a user can import again."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, (headers, rows) in sheets.items():
        rows = list(rows)
        ws = wb.create_sheet(title=title[:31])
        prepare_sheet(
            ws,
            [
                width_of([h, *(r[i] for r in rows[:200] if i < len(r))])
                for i, h in enumerate(headers)
            ],
        )
        append_row(ws, list(headers), bold=True)
        for row in rows:
            append_row(ws, [_cell(v) for v in row])
    if about:
        ws = wb.create_sheet(title="说明 about")
        prepare_sheet(ws, [100], header_row=0)
        for line in about:
            append_row(ws, [line])
    wb.save(path)


def _cell(value: object) -> object:
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    return value


def write_csv(path: Path, headers: list[str], rows: Iterator[list[object]]) -> int:
    """Write UTF-8 with BOM, which Excel in Chinese locales opens without mojibake; no
    field is a formula (csv_field)."""
    n = 0
    with Path(path).open("w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow([csv_field(h) for h in headers])
        for row in rows:
            w.writerow([csv_field(v) for v in row])
            n += 1
    return n


def csv_text(headers: list[str], rows: Iterable[list[object]]) -> str:
    """CSV as text (with the BOM Excel needs), fields through csv_field."""
    buf = io.StringIO()
    buf.write("\ufeff")
    w = csv.writer(buf)
    w.writerow([csv_field(h) for h in headers])
    for row in rows:
        w.writerow([csv_field(v) for v in row])
    return buf.getvalue()


def made_at(lang: str = "zh") -> str:
    """When a file was made, for its 'about' lines: '生成于 2026-12-02 09:30 UTC'."""
    from datetime import UTC

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"Made {now}" if lang == "en" else f"生成于 {now}"
