"""Importing organisations from CSV or XLSX: all-or-nothing, with a report users can fix.

The door is `do_import_organisations(engine, principal, path)`, on the import kernel
(core/importing.py). First a read phase over the whole file, writing nothing: each row is
parsed, checked and matched against the registry, and what it will do is staged on disk.
Then, if no row is bad, one short write transaction (which matches again first if anyone
committed meanwhile): other users' saves wait only for that, not for the whole file.
If any row is bad nothing is written, unless `skip_invalid` is set, in which case the
valid rows are committed and the bad ones reported. A row is always wholly in or out.
Re-importing a file changes nothing: rows match existing organisations by USCC,
else by normalised name and region, and unchanged rows are left alone. Who imports
writes only rows in their scope (accounts.scopes.can_import_organisation_row), both as
the row says and, for an organisation already registered, as it is now.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path

from sqlalchemy import Connection, Engine, bindparam, delete, insert, select, update

from haihe.accounts import scopes
from haihe.codes import industries, regions, uscc
from haihe.core import events
from haihe.core.db import analyze, bulk_insert, insert_many_returning_ids
from haihe.core.errors import InvalidInput, NotAllowed
from haihe.core.importing import (
    HeaderMap,
    ImportReport,
    RowError,
    Sheet,
    Staging,
    change_mark,
    changed_since,
    open_sheet,
    write_phase,
)
from haihe.core.limits import clean_text
from haihe.core.tabular import header_key
from haihe.registry import columns, search_index, values
from haihe.registry.models import Organisation, OrganisationIndustry, Park
from haihe.registry.names import normalise
from haihe.registry.terms import terms_for

BATCH = 2000
_GARBLED = re.compile("[\ufffd\ue000-\uf8ff\U00030000-\U0010ffff]")
_IND_SPLIT = re.compile(r"[,，;；、/\s]+")
_IND_CODE = re.compile(r"^[A-Ta-t]?(\d{2,4})")
_GARBLED_TAIL = re.compile("[\ufffd\ue000-\uf8ff\U00030000-\U0010ffff?]+$")


@dataclass
class OrgRecord:
    row: int
    uscc: str | None
    name: str
    name_norm: str
    name_en: str | None
    kind: str
    region_code: str | None
    park_id: int | None
    industry_codes: tuple[str, ...]
    founded: date | None
    registered_capital: Decimal | None
    capital_currency: str
    employees: int | None
    website: str | None
    address: str | None
    description: str | None
    high_tech: bool = False
    specialised: str | None = None
    listed: bool = False
    stock_code: str | None = None
    above_scale: bool = False
    values: dict[str, object] = field(default_factory=dict)  # db_values(), made once

    def content_hash(self) -> str:
        parts = (
            self.uscc,
            self.name,
            self.name_en,
            self.kind,
            self.region_code,
            self.park_id,
            self.industry_codes,
            self.founded,
            self.registered_capital,
            self.capital_currency,
            self.employees,
            self.website,
            self.address,
            self.description,
            self.high_tech,
            self.specialised,
            self.listed,
            self.stock_code,
            self.above_scale,
        )
        return hashlib.md5(repr(parts).encode("utf-8"), usedforsecurity=False).hexdigest()

    def db_values(self) -> dict[str, object]:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "name_norm": self.name_norm,
            "name_en": self.name_en,
            "kind": self.kind,
            "region_code": self.region_code,
            "park_id": self.park_id,
            "founded": self.founded,
            "registered_capital": self.registered_capital,
            "capital_currency": self.capital_currency,
            "employees": self.employees,
            "website": self.website,
            "address": self.address,
            "description": self.description,
            "high_tech": self.high_tech,
            "specialised": self.specialised,
            "listed": self.listed,
            "stock_code": self.stock_code,
            "above_scale": self.above_scale,
            "search_terms": terms_for(self.name, self.name_en, self.description, self.region_code),
            "content_hash": self.content_hash(),
        }


class _Context:
    """What parsing a row needs from the header and the parks, loaded once.

    Plain data (picklable), so that worker processes can parse rows too.
    """

    def __init__(self, mapped: HeaderMap, parks: dict[str, int]) -> None:
        self.headers = mapped.headers
        self.colmap: dict[str, int] = dict(mapped.index)
        self.descriptions: list[int] = mapped.every.get("description", [])
        self.capital_unit = (
            values.header_multiplier(mapped.header("capital"))
            if "capital" in self.colmap
            else Decimal(1)
        )
        self.parks = parks

    @classmethod
    def load(cls, conn: Connection, mapped: HeaderMap) -> _Context:
        parks: dict[str, int] = {}
        for pid, name, name_en in conn.execute(select(Park.id, Park.name, Park.name_en)):
            parks[header_key(name)] = pid
            if name_en:
                parks[header_key(name_en)] = pid
        return cls(mapped, parks)

    def header(self, f: str) -> str:
        return self.headers[self.colmap[f]]


# Parsing in worker processes -----------------------------------------------------------
# Checking a row costs several times more than storing it, so files large enough to pay
# for starting processes are parsed on every core while this process writes.
PARALLEL_MIN_BYTES = 8 << 20
CHUNK_ROWS = 2000
_worker_ctx: _Context | None = None


def _init_worker(ctx: _Context) -> None:
    global _worker_ctx
    _worker_ctx = ctx


def _parse_chunk(
    chunk: list[tuple[int, list[object]]],
) -> list[tuple[int, list[object], OrgRecord | None, list[RowError]]]:
    assert _worker_ctx is not None
    return [(n, cells, *parse_row(n, cells, _worker_ctx)) for n, cells in chunk]


def _chunks(rows, size: int):  # noqa: ANN001, ANN202
    chunk: list[tuple[int, list[object]]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parsed_rows(table: Sheet, ctx: _Context, workers: int):  # noqa: ANN202
    """(row number, cells, record or None, errors) in file order."""
    if workers <= 1:
        for n, cells in table.rows:
            yield (n, cells, *parse_row(n, cells, ctx))
        return
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(ctx,)
    ) as pool:
        pending: deque = deque()
        for chunk in _chunks(table.rows, CHUNK_ROWS):
            pending.append(pool.submit(_parse_chunk, chunk))
            if len(pending) > workers * 2:  # bounded: memory stays flat
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _text(v: object) -> str | None:
    if v is None:
        return None
    s = unicodedata.normalize("NFC", str(v)).strip()
    return s or None


def parse_row(
    n: int, cells: list[object], ctx: _Context
) -> tuple[OrgRecord | None, list[RowError]]:
    """Check one row: a record ready to store, or the errors that keep it out."""
    errs: list[RowError] = []
    if len(cells) > len(ctx.headers) and any(
        str(c).strip() for c in cells[len(ctx.headers) :] if c is not None
    ):
        errs.append(
            RowError(
                n,
                "*",
                "",
                InvalidInput("import.extra_cells", n=len(cells), expected=len(ctx.headers)),
            )
        )
        return None, errs
    if _GARBLED.search("\x1f".join(c for c in cells if isinstance(c, str))):
        errs.extend(_garbled(n, cells, ctx))
        if errs:
            return None, errs
    return _parse_clean_row(n, cells, ctx)


def _garbled(n: int, cells: list[object], ctx: _Context) -> list[RowError]:
    """Garbled cells of a row (a truncated description only loses its broken tail)."""
    errs: list[RowError] = []
    for i, c in enumerate(cells[: len(ctx.headers)]):
        if isinstance(c, str) and _GARBLED.search(c):
            if i in ctx.descriptions:
                # Long texts cut off by the exporting system end in half a character;
                # the rest of the text is good, so only the broken tail is dropped.
                trimmed = _GARBLED_TAIL.sub("", c)
                if not _GARBLED.search(trimmed):
                    cells[i] = trimmed
                    continue
            errs.append(
                RowError(n, ctx.headers[i] or str(i + 1), c[:40], InvalidInput("import.garbled"))
            )
            return errs
    return errs


def _parse_clean_row(
    n: int, cells: list[object], ctx: _Context
) -> tuple[OrgRecord | None, list[RowError]]:
    errs: list[RowError] = []

    def err(f: str, value: object, problem: InvalidInput) -> None:
        col = ctx.header(f) if f in ctx.colmap else f
        errs.append(RowError(n, col, "" if value is None else str(value), problem))

    width = len(cells)
    v: dict[str, object] = {}
    for f, i in ctx.colmap.items():  # one pass: present, non-missing values only
        if i < width:
            c = cells[i]
            if c is not None and not values.is_missing(c):
                v[f] = c.strip() if isinstance(c, str) else c
    get = v.get

    def text(f: str, limit: str, *, name: bool = False) -> str | None:
        """A text cell cleaned and bounded as every text field is (core.limits)."""
        raw = get(f)
        try:
            return clean_text(_text(raw), limit, name=name) or None
        except InvalidInput as p:
            err(f, raw, p)
            return None

    refused = len(errs)
    name = text("name", "organisation.name", name=True)
    if not name and len(errs) == refused:
        err("name", None, InvalidInput("import.name_missing"))

    code = None
    raw_uscc = get("uscc")
    if raw_uscc is not None:
        check = uscc.validate(str(raw_uscc))
        if not check.ok:
            err("uscc", raw_uscc, check.problem)
        else:
            code = check.code

    region_code = None
    raw_region = _text(get("region"))
    raw_province = _text(get("province"))
    address = text("address", "organisation.address")
    res = regions.resolve(
        province=raw_province,
        district=raw_region,
        address=address,
        uscc_region=code[2:8] if code else None,
    )
    if raw_province and regions.lookup(raw_province) is None:
        err("province", raw_province, InvalidInput("import.region_unknown", value=raw_province))
    elif (
        raw_region
        and "district" not in res.sources
        and (
            regions.lookup(
                raw_region, within=regions.lookup(raw_province).code if raw_province else None
            )
            is None
        )
    ):
        err("region", raw_region, InvalidInput("import.region_unknown", value=raw_region))
    else:
        region_code = res.code

    park_id = None
    raw_park = _text(get("park"))
    if raw_park:
        park_id = ctx.parks.get(header_key(raw_park))
        if park_id is None:
            err("park", raw_park, InvalidInput("import.park_unknown", value=raw_park))

    codes: list[str] = []
    raw_ind = get("industry")
    if raw_ind is not None:
        for part in _IND_SPLIT.split(str(raw_ind).strip()):
            m = _IND_CODE.match(part)
            token = m.group(1) if m else part
            if not token:
                continue
            if not m or not industries.is_valid(token):
                err("industry", part, InvalidInput("import.industry_unknown", value=part))
            elif token not in codes:
                codes.append(token)

    founded = None
    raw_founded = get("founded")
    try:
        founded = values.parse_date(raw_founded)
    except InvalidInput as p:
        err("founded", raw_founded, p)

    capital, currency = None, "CNY"
    raw_cap = get("capital")
    try:
        parsed = values.parse_capital(raw_cap, ctx.capital_unit)
        if parsed:
            capital, currency = parsed
    except InvalidInput as p:
        err("capital", raw_cap, p)

    employees = None
    raw_emp = get("employees")
    try:
        employees = values.parse_int(raw_emp)
    except InvalidInput as p:
        err("employees", raw_emp, p)

    kind = None
    raw_kind = _text(get("kind"))
    if raw_kind:
        kind = columns.kind_from_text(raw_kind)
        if kind is None:
            err("kind", raw_kind, InvalidInput("import.kind_unknown", value=raw_kind))
    website = text("website", "organisation.website")
    if website and (" " in website or "." not in website):
        err("website", website, InvalidInput("import.website_bad", value=website))

    name_en = text("name_en", "organisation.name_en", name=True)
    flags: dict[str, bool] = {}
    for f in ("high_tech", "listed", "above_scale"):
        raw_flag = get(f)
        if raw_flag is not None:
            flag = columns.yes_no(raw_flag)
            if flag is None:
                err(f, raw_flag, InvalidInput("import.yes_no", value=str(raw_flag)))
            else:
                flags[f] = flag
    specialised = None
    raw_spec = get("specialised")
    if raw_spec is not None:
        specialised = columns.specialised_from_text(str(raw_spec))
        if specialised is False:
            err(
                "specialised", raw_spec, InvalidInput("import.specialised_bad", value=str(raw_spec))
            )
    stock_code = _text(get("stock_code"))
    if stock_code and (len(stock_code) > 16 or not stock_code.replace(".", "").isalnum()):
        err("stock_code", stock_code, InvalidInput("import.stock_code_bad", value=stock_code[:40]))

    if errs or not name:
        return None, errs
    desc_parts = [
        _text(cells[i])
        for i in ctx.descriptions
        if i < len(cells) and not values.is_missing(cells[i])
    ]
    try:
        description = (
            clean_text("\n".join(p for p in desc_parts if p), "organisation.description") or None
        )
    except InvalidInput as p:
        err("description", "", p)
        return None, errs
    rec = OrgRecord(
        row=n,
        uscc=code,
        name=name,
        name_norm=normalise(name),
        name_en=name_en,
        kind=kind or columns.kind_from_name(name),
        region_code=region_code,
        park_id=park_id,
        industry_codes=tuple(sorted(codes)),
        founded=founded,
        registered_capital=capital,
        capital_currency=currency,
        employees=employees,
        website=website,
        address=address,
        description=description,
        high_tech=flags.get("high_tech", False),
        specialised=specialised or None,
        listed=flags.get("listed", False) or bool(stock_code),
        stock_code=stock_code,
        above_scale=flags.get("above_scale", False),
    )
    rec.values = rec.db_values()  # search words and hash made here (in the parsing workers)
    return rec, []


Scope = Callable[[str | None, int | None], bool]  # (region code, park id) → may write

Row = tuple[OrgRecord, list[object]]  # a checked record and its cells (for the report)


@dataclass
class Decision:
    """What a batch of checked rows does to the registry as it is: insert, update, leave
    alone, or (matching an organisation outside the importer's scope) stay out."""

    inserts: list[Row]
    updates: list[tuple[int, OrgRecord, list[object]]]
    unchanged: int
    refused: list[tuple[Row, int, str | None]]  # the row, the matched organisation, its name


def decide(conn: Connection, batch: list[Row], scope: Scope | None) -> Decision:
    """Match a batch against the registry (reads only): by USCC, else by normalised name
    and region. With a `scope`, a row matching an organisation outside it is refused (a
    park manager may not take over another park's enterprise by naming its USCC)."""
    o = Organisation.__table__
    usccs = [r.uscc for r, _ in batch if r.uscc]
    norms = list({r.name_norm for r, _ in batch})
    by_uscc: dict[str, tuple[int, str | None, str | None, int | None, str]] = {}
    by_name: dict[
        tuple[str, str | None], tuple[int, str | None, str | None, str | None, int | None, str]
    ] = {}
    if usccs:
        for oid, code, h, reg, park, name in conn.execute(
            select(
                o.c.id, o.c.uscc, o.c.content_hash, o.c.region_code, o.c.park_id, o.c.name
            ).where(o.c.uscc.in_(usccs))
        ):
            by_uscc[code] = (oid, h, reg, park, name)
    for oid, norm, reg, code, h, park, name in conn.execute(
        select(
            o.c.id,
            o.c.name_norm,
            o.c.region_code,
            o.c.uscc,
            o.c.content_hash,
            o.c.park_id,
            o.c.name,
        ).where(o.c.name_norm.in_(norms))
    ):
        by_name.setdefault((norm, reg), (oid, code, h, reg, park, name))
    out = Decision([], [], 0, [])
    for r, cells in batch:
        hit = None
        if r.uscc and r.uscc in by_uscc:
            hit = by_uscc[r.uscc]
        else:
            cand = by_name.get((r.name_norm, r.region_code))
            if cand and (cand[1] is None or r.uscc is None or cand[1] == r.uscc):
                hit = (cand[0], cand[2], cand[3], cand[4], cand[5])
        if hit is not None and scope is not None and not scope(hit[2], hit[3]):
            out.refused.append(((r, cells), hit[0], hit[4]))
        elif hit is None:
            out.inserts.append((r, cells))
        elif hit[1] == r.values["content_hash"]:
            out.unchanged += 1
        else:
            out.updates.append((hit[0], r, cells))
    return out


def refuse(report: ImportReport, sheet: Sheet, decision: Decision) -> None:
    """Keep out the rows of `decision` that match an organisation outside the scope."""
    for (rec, cells), oid, name in decision.refused:
        column = sheet.columns.header("uscc" if rec.uscc else "name")
        problem = InvalidInput("import.match_out_of_scope", id=oid, name=name)
        report.reject(
            sheet, rec.row, cells, [RowError(rec.row, column, rec.uscc or rec.name, problem)]
        )


UPDATED = "organisations_updated"  # registry.events.UPDATED (not imported: it imports us)
PREPARE = "organisations_prepare"  # listeners: (engine) → a function of rows' facts
# Just before "organisations_updated" (whose listeners take (conn, ids) as ever): what the
# read phase's preparers worked out, (conn, {id: their answers}), for them to pick up.
PREPARED = "organisations_prepared"


def _known(ready: dict[int, tuple | None]) -> dict[int, tuple]:
    return {oid: got for oid, got in ready.items() if got is not None}


def _facts(rec: OrgRecord) -> tuple:
    """What others derive from a row before it is written (the chains' classifier reads
    these): name, kind, business scope, industry codes, English name."""
    return (rec.name, rec.kind, rec.description, rec.industry_codes, rec.name_en)


def _prepare(preparers: list, decision: Decision) -> dict[int, tuple]:
    """Row number → what each preparer worked out for it (rows to insert or update)."""
    recs = [r for r, _ in decision.inserts] + [r for _, r, _ in decision.updates]
    if not preparers or not recs:
        return {}
    answers = [fn([_facts(r) for r in recs]) for fn in preparers]
    return {r.row: tuple(a[i] for a in answers) for i, r in enumerate(recs)}


class _Writer:
    """Writes decided batches in the write phase: insert new, update changed."""

    def __init__(self, conn: Connection, report: ImportReport) -> None:
        self.conn = conn
        self.report = report
        self.org = Organisation.__table__
        self.ind = OrganisationIndustry.__table__
        # For the audit trail: the ids created, and each changed organisation's id with
        # the fields that changed, before and after.
        self.created_ids: list[int] = []
        self.changed: list[dict[str, object]] = []

    def write(self, decision: Decision, prepared: dict[int, tuple] | None = None) -> None:
        """Store a decided batch; `prepared`: row number → what the read phase's preparers
        worked out for that row (handed on with the ids, "organisations_updated")."""
        prepared = prepared or {}
        o = self.org
        now = datetime.now(UTC)
        inserts = [r for r, _ in decision.inserts]
        updates = [(oid, r) for oid, r, _ in decision.updates]
        if inserts:
            rows = [
                {
                    **r.values,
                    "source": "import",
                    "is_demo": False,
                    "named_in_source": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in inserts
            ]
            ids = insert_many_returning_ids(self.conn, o, rows)
            self.created_ids.extend(ids)
            search_index.index_ids(self.conn, ids)
            bulk_insert(
                self.conn,
                self.ind,
                [
                    {"organisation_id": oid, "industry_code": c}
                    for oid, r in zip(ids, inserts, strict=True)
                    for c in r.industry_codes
                ],
            )
            self.report.created += len(inserts)
            ready = {oid: prepared.get(r.row) for oid, r in zip(ids, inserts, strict=True)}
            events.emit(PREPARED, self.conn, _known(ready))
            events.emit(UPDATED, self.conn, ids)  # added ones too
        if updates:
            self._note_changes(updates)
            params = [{**r.values, "b_id": oid, "updated_at": now} for oid, r in updates]
            cols = {k: bindparam(k) for k in params[0] if k != "b_id"}
            self.conn.execute(update(o).where(o.c.id == bindparam("b_id")).values(**cols), params)
            ids = [oid for oid, _ in updates]
            self.conn.execute(delete(self.ind).where(self.ind.c.organisation_id.in_(ids)))
            links = [
                {"organisation_id": oid, "industry_code": c}
                for oid, r in updates
                for c in r.industry_codes
            ]
            if links:
                self.conn.execute(insert(self.ind), links)
            self.report.updated += len(updates)
            ready = {oid: prepared.get(r.row) for oid, r in updates}
            events.emit(PREPARED, self.conn, _known(ready))
            events.emit(UPDATED, self.conn, ids)

    def _note_changes(self, updates: list[tuple[int, OrgRecord]]) -> None:
        """Each organisation about to change: its id and the changed fields, before and
        after (read before the UPDATE; industries as sorted lists of codes)."""
        o = self.org
        ids = [oid for oid, _ in updates]
        cols = [c for c in AUDITED_FIELDS if c != "industry_codes"]
        before = {
            row.id: dict(row._mapping)
            for row in self.conn.execute(
                select(o.c.id, *(o.c[c] for c in cols)).where(o.c.id.in_(ids))
            )
        }
        links: dict[int, list[str]] = {}
        for oid, code in self.conn.execute(
            select(self.ind.c.organisation_id, self.ind.c.industry_code).where(
                self.ind.c.organisation_id.in_(ids)
            )
        ):
            links.setdefault(oid, []).append(code)
        for oid, r in updates:
            old = {**before[oid], "industry_codes": sorted(links.get(oid, []))}
            new = {**r.values, "industry_codes": list(r.industry_codes)}
            diff = [f for f in AUDITED_FIELDS if old.get(f) != new.get(f)]
            self.changed.append(
                {
                    "id": oid,
                    "row": r.row,
                    "before": {f: old.get(f) for f in diff},
                    "after": {f: new.get(f) for f in diff},
                }
            )


# What the audit entry of an import records of each changed organisation (its fields).
AUDITED_FIELDS = (
    "uscc",
    "name",
    "name_en",
    "kind",
    "region_code",
    "park_id",
    "industry_codes",
    "founded",
    "registered_capital",
    "capital_currency",
    "employees",
    "website",
    "address",
    "description",
)
AUDIT_CHANGES_PER_ENTRY = 1000


def _id_ranges(ids: list[int]) -> list[list[int]]:
    """Ids as [first, last] runs: a bulk import's new ids stay short in the trail."""
    runs: list[list[int]] = []
    for i in sorted(ids):
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def _audit_import(
    conn: Connection, path: Path, report: ImportReport, writer: _Writer | None = None
) -> None:
    """Bulk writes bypass the ORM's audit hook, so the import records itself: one entry
    with its counts and the ids it created (as runs), and for the organisations it
    changed, entries naming each one's id with its changed fields before and after
    (AUDIT_CHANGES_PER_ENTRY to an entry), so that every change can be traced and undone."""
    from sqlalchemy.orm import Session

    from haihe.audit.recorder import record

    with Session(bind=conn) as s:
        summary: dict[str, object] = dict(report.audit_counts())
        if writer is not None:
            summary["created_ids"] = _id_ranges(writer.created_ids)
            summary["updated_ids"] = [c["id"] for c in writer.changed]
        record(s, "import", "organisations", path.name, summary)
        changed = writer.changed if writer is not None else []
        for start in range(0, len(changed), AUDIT_CHANGES_PER_ENTRY):
            part = changed[start : start + AUDIT_CHANGES_PER_ENTRY]
            record(
                s,
                "import_update",
                "organisations",
                path.name,
                {"organisations": part},
            )
        s.flush()


def _kept_out(
    n: int, rec: OrgRecord, ctx: _Context, keys: dict[int, int], scope: Scope | None
) -> list[RowError]:
    """A valid row kept out all the same: a repeat of an earlier row, or out of scope."""
    key = hash(("u", rec.uscc) if rec.uscc else ("n", rec.name_norm, rec.region_code))
    first = keys.get(key)
    if first is not None:
        problem = InvalidInput(
            "import.duplicate_uscc" if rec.uscc else "import.duplicate_name", first=first
        )
        column = ctx.header("uscc") if rec.uscc else ctx.header("name")
        return [RowError(n, column, rec.uscc or rec.name, problem)]
    keys[key] = n
    if scope is not None and not scope(rec.region_code, rec.park_id):
        return [RowError(n, ctx.header("name"), rec.name, InvalidInput("auth.out_of_scope"))]
    return []


def require_importer(principal: scopes.Principal) -> None:
    """Refuse outright whoever may import no organisation at all."""
    if not scopes.can_import_organisations(principal):
        raise NotAllowed("auth.forbidden")


def do_import_organisations(
    engine: Engine,
    principal: scopes.Principal,
    path: str | Path,
    *,
    skip_invalid: bool = False,
    write_report: bool = True,
    on_bytes: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import one file as `principal`. Returns the report; writes `<file>.errors.xlsx`
    beside it when rows are bad. Raises NotAllowed when the principal may not import.

    Administrators write any row; others only rows in their scope (the rest are bad rows).
    `workers` processes parse rows (default: one per core for files over 8 MB, else none).
    """
    require_importer(principal)
    scope = None if principal.is_admin else partial(scopes.can_import_organisation_row, principal)
    path = Path(path)
    report = ImportReport(path, skip_invalid=skip_invalid)
    keys: dict[int, int] = {}
    try:
        sheet = open_sheet(path, columns.COLUMNS, on_bytes=on_bytes)
    except InvalidInput as p:
        report.file_problem = p
        return report
    report.read(sheet)
    if on_start:
        on_start(sheet.table.size_bytes)
    with engine.connect() as conn, Staging(engine) as staged:
        trans = None
        try:
            # The read phase: parse, check and match the whole file, writing nothing (so
            # other users' saves go on); what each batch will do is staged on disk.
            # What other contexts work out from the rows (the chains place them) is done
            # here too, so that the write phase only stores it.
            preparers = [fn for fn in events.gather(PREPARE, engine) if callable(fn)]
            mark = change_mark(conn)
            ctx = _Context.load(conn, sheet.columns)
            if workers is None:
                big = sheet.table.size_bytes >= PARALLEL_MIN_BYTES
                workers = min(os.cpu_count() or 1, 4) if big else 1
            batch: list[Row] = []

            def stage() -> None:
                decision = decide(conn, batch, scope)
                refuse(report, sheet, decision)
                if report.writing:
                    staged.put((list(batch), decision, _prepare(preparers, decision)))
                batch.clear()

            for n, cells, rec, errs in _parsed_rows(sheet, ctx, workers):
                report.rows += 1
                if rec is not None:
                    errs = _kept_out(n, rec, ctx, keys, scope)
                if errs:
                    report.reject(sheet, n, cells, errs)
                elif rec is not None and report.writing:
                    batch.append((rec, cells))
                    if len(batch) >= BATCH:
                        stage()
            if report.writing and batch:
                stage()
            # The write phase: one short transaction. When anyone committed since the read
            # phase looked, every batch is matched again first (and may be refused now).
            writer = _Writer(conn, report)
            if report.writing and report.file_problem is None and report.rows:
                trans = write_phase(conn)
                again = changed_since(conn, mark)
                for rows, decision, prepared in staged:
                    if again:
                        decision = decide(conn, rows, scope)
                        refuse(report, sheet, decision)
                    if not report.writing:
                        break
                    report.unchanged += decision.unchanged
                    writer.write(decision, prepared)

            def commit() -> None:
                if trans is None:
                    return  # nothing to write (every row unchanged or the file empty)
                if report.created > 10000:
                    analyze(conn, "organisations", "organisation_industries")
                _audit_import(conn, path, report, writer)
                trans.commit()

            def rollback() -> None:
                if trans is not None:
                    trans.rollback()

            report.settle(commit, rollback)
        except BaseException:
            if conn.in_transaction():
                conn.rollback()
            raise
        finally:
            sheet.close()
    return report.finish(write_report)
