"""Leads in and out of Excel: the import through the one kernel (core/importing.py), all
or nothing with the error report, and the export the import reads back.

A row names the target organisation (USCC, else its registered name), the chain and
segment (key or name), the landing region (code or name), optionally the park, officer,
source, status with its date (a step backwards or a drop needs the reason column), the
next step and notes. A row that matches an open or signed lead already there (the same
organisation, chain, segment and landing region) is unchanged.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.audit.recorder import record
from haihe.chains import queries as chains
from haihe.codes import uscc
from haihe.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from haihe.core.i18n import t
from haihe.core.importing import Column, Columns, ImportReport, RowError, open_sheet
from haihe.core.limits import is_digits
from haihe.core.tabular import write_xlsx
from haihe.leads import flow, service
from haihe.leads.models import SOURCES, Lead
from haihe.leads.queries import LeadFilter, conditions
from haihe.registry import queries as registry
from haihe.registry import values

ROW_FAILURES = (InvalidInput, NotAllowed, NotFound, Conflict)
COLUMNS = Columns(
    [
        Column("organisation", ("目标企业", "企业名称", "organisation", "target"), required=True),
        Column("uscc", ("统一社会信用代码", "uscc", "credit code")),
        Column("chain", ("产业链", "chain"), required=True),
        Column("segment", ("环节", "segment"), required=True),
        Column("region", ("落地地区", "landing region", "region"), required=True),
        Column("park", ("落地园区", "landing park", "park")),
        Column("officer", ("负责人", "officer")),
        Column("source", ("来源", "source")),
        Column("status", ("状态", "status")),
        Column("status_on", ("状态日期", "status date")),
        Column("reason", ("原因", "reason")),
        Column("started_on", ("开始日期", "started on", "started")),
        Column("next_step", ("下一步", "next step")),
        Column("next_step_on", ("下一步日期", "next step date")),
        Column("notes", ("备注", "notes")),
    ],
    unused=("序号", "no", "编号", "id", "关联项目", "project"),
)
EXPORT_HEADERS = [c.headers[0] for c in COLUMNS.columns] + ["关联项目"]


def _names(prefix: str, keys: tuple[str, ...]) -> dict[str, str]:
    """Each key by itself and by its Chinese and English name."""
    out = {}
    for k in keys:
        for lang in ("zh", "en"):
            out[t(f"{prefix}.{k}", lang).lower()] = k
        out[k] = k
    return out


def _day(value: object, field: str) -> date | None:
    if values.is_missing(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(values.clean(value).replace("/", "-"))
    except ValueError:
        raise InvalidInput("leads.date_unreadable", field=field, value=value) from None


def _organisation(s: Session, name: object, code: object) -> int:
    if not values.is_missing(code):
        c = values.clean(code).upper()
        if not uscc.is_valid(c):
            raise InvalidInput("leads.uscc_invalid", field="uscc", value=c)
        org = registry.find_by_uscc(s, c)
        if org is None:
            raise InvalidInput("leads.organisation_unknown", field="uscc", value=c)
        return org.id
    n = values.clean(name)
    found = registry.find_by_name(s, n) if n else []
    if not found:
        raise InvalidInput("leads.organisation_unknown", field="organisation", value=n)
    if len(found) > 1:
        raise InvalidInput("leads.organisation_ambiguous", field="organisation", value=n)
    return found[0].id


def _chain(s: Session, chain: object, segment: object) -> tuple[str, str]:
    c, g = values.clean(chain), values.clean(segment)
    choice = next((x for x in chains.chain_choices(s) if c in (x.key, x.name_zh, x.name_en)), None)
    if choice is None:
        raise InvalidInput("leads.chain_unknown", field="chain", chain=c, segment=g)
    seg = next((x for x in choice.segments if g in (x.id, x.name_zh, x.name_en)), None)
    if seg is None:
        raise InvalidInput("leads.segment_unknown", field="segment", chain=c, segment=g)
    return choice.key, seg.id


def _park(s: Session, name: object) -> int | None:
    if values.is_missing(name):
        return None
    n = values.clean(name)
    if is_digits(n):
        return int(n)
    park = registry.find_park(s, n)
    if park is None:
        raise InvalidInput("leads.park_unknown", field="park_id", park=n)
    return park.id


class _Rows:
    def __init__(self, s: Session, principal: scopes.Principal, today: date) -> None:
        self.s, self.principal, self.today = s, principal, today
        self.sources = _names("leads.source", SOURCES)
        self.statuses = _names("leads.status", flow.STATUSES)

    def one(self, get) -> str:  # noqa: ANN001
        """Write one row (inside a savepoint): 'created' or 'unchanged'; raises what it
        refuses the row with, naming the field."""
        s = self.s
        org_id = _organisation(s, get("organisation"), get("uscc"))
        chain, segment = _chain(s, get("chain"), get("segment"))
        source = self.sources.get(values.clean(get("source")).lower() or "manual")
        if source is None:
            raise InvalidInput("leads.source_unknown", field="source", value=get("source"))
        status_text = values.clean(get("status")).lower()
        status = self.statuses.get(status_text or "new")
        if status is None:
            raise InvalidInput("leads.status_unknown", field="status", value=get("status"))
        started = _day(get("started_on"), "started_on")
        data = service.LeadInput(
            organisation_id=org_id,
            chain=chain,
            segment=segment,
            region_code=values.clean(get("region")),
            park_id=_park(s, get("park")),
            officer=None if values.is_missing(get("officer")) else values.clean(get("officer")),
            source=source,
            notes=None if values.is_missing(get("notes")) else str(get("notes")),
            started_on=started,
        )
        region, _ = service._region(data.region_code)
        same = s.execute(
            select(Lead.id).where(
                *conditions(self.principal, LeadFilter()),
                Lead.organisation_id == org_id,
                Lead.chain == chain,
                Lead.segment == segment,
                Lead.region_code == region,
                Lead.status != flow.DROPPED,
            )
        ).first()
        if same:
            return "unchanged"
        next_on = _day(get("next_step_on"), "next_step_on")
        next_text = None if values.is_missing(get("next_step")) else str(get("next_step"))
        flow.check_next_step(next_on, next_text, self.today)
        lead = service.do_create_lead(s, self.principal, data, today=self.today)
        if status != "new":
            service.do_change_status(
                s,
                self.principal,
                lead.id,
                status,
                _day(get("status_on"), "status_on") or lead.started_on,
                reason=None if values.is_missing(get("reason")) else str(get("reason")),
                today=self.today,
            )
        if next_text and status in flow.OPEN:
            service.do_set_next_step(
                s, self.principal, lead.id, next_text, next_on, today=self.today
            )
        return "created"


def do_import_leads(
    engine: Engine,
    principal: scopes.Principal,
    path: str | Path,
    *,
    skip_invalid: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Import a leads file as `principal`: all or nothing (or each row wholly in or out with
    `skip_invalid`); FILE.errors.xlsx names the rows to fix."""
    if not scopes.can_work_leads(principal):
        raise NotAllowed("auth.forbidden")
    path = Path(path)
    report = ImportReport(path, skip_invalid=skip_invalid)
    try:
        sheet = open_sheet(path, COLUMNS)
    except InvalidInput as p:
        report.file_problem = p
        return report
    report.read(sheet)
    rows_in = list(sheet.rows)
    sheet.close()
    report.rows = len(rows_in)
    rejected: dict[int, tuple[list[object], RowError]] = {}
    while True:  # with skip_invalid: run again without the rows refused, until none is
        with Session(engine) as s:
            rows = _Rows(s, principal, today or date.today())
            created = unchanged = 0
            fresh = False
            for n, cells in rows_in:
                if n in rejected:
                    continue

                def get(f: str, cells: list[object] = cells) -> object:
                    i = sheet.columns.index.get(f)
                    return cells[i] if i is not None and i < len(cells) else None

                try:
                    outcome = rows.one(get)
                except ROW_FAILURES as exc:
                    col = getattr(exc, "field", None) or "organisation"
                    col = {"organisation_id": "organisation", "region_code": "region"}.get(col, col)
                    header = sheet.columns.header(col)
                    rejected[n] = (cells, RowError(n, header, str(get(col) or ""), exc))
                    fresh = True
                    continue
                created += outcome == "created"
                unchanged += outcome == "unchanged"
            if fresh and skip_invalid:
                s.rollback()  # a refused row may have left half of itself
                continue
            report.created, report.unchanged = created, unchanged
            for n, (cells, error) in sorted(rejected.items()):
                report.reject(sheet, n, cells, [error])

            def commit(s: Session = s) -> None:
                record(s, "import", "leads", path.name, report.audit_counts())
                s.commit()

            report.settle(commit, s.rollback)
            break
    return report.finish()


def export_rows(session: Session, principal: scopes.Principal, f: LeadFilter) -> list[list]:
    """The leads the reader may read matching `f`, as rows under EXPORT_HEADERS."""
    parks = {p.id: p.name for p in registry.list_parks(session)}
    out = []
    for lead in session.execute(
        select(Lead).where(*conditions(principal, f)).order_by(Lead.id)
    ).scalars():
        out.append(
            [
                lead.organisation_name,
                None,
                lead.chain,
                lead.segment,
                lead.region_code,
                parks.get(lead.park_id),
                lead.officer,
                lead.source,
                lead.status,
                lead.status_on,
                lead.dropped_reason,
                lead.started_on,
                lead.next_step,
                lead.next_step_on,
                lead.notes,
                lead.project_code,
            ]
        )
    return out


def text_workbook(sheets: dict[str, tuple[list[str], list[list[object]]]]) -> bytes:
    """An .xlsx of sheets of (headers, rows) through the shared writer (core.tabular), whose
    rule keeps text beginning with = + - @ a string, never a formula."""
    from io import BytesIO

    buf = BytesIO()
    write_xlsx(buf, sheets)  # type: ignore[arg-type]  # openpyxl saves to a file object too
    return buf.getvalue()


def export_workbook(session: Session, principal: scopes.Principal, f: LeadFilter) -> bytes:
    """An .xlsx of the leads (one sheet), every text cell written as text."""
    return text_workbook({"线索 leads": (EXPORT_HEADERS, export_rows(session, principal, f))})
