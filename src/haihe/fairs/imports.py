"""A fair's participants and meeting requests from Excel or CSV, through the one import
kernel (core/importing.py): all or nothing, an error report naming each bad row, column
and reason, the kernel's file limits.

Participants: the organisation (registered name, or USCC), its representatives (names
separated by commas, 、 or new lines), the slots it is free in (their numbers, 1 = the
first, as "1,2,5-8"; empty: all), an optional meeting quota. An organisation already
taking part is updated (unchanged when the same).

Requests: the requester and the requested (each a participant's organisation by name or
USCC) and the priority (1–3, or low / normal / high, 低 / 中 / 高); an existing request
is unchanged; a request the other side made already becomes mutual (as in the app).
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.audit.recorder import record
from haihe.codes import uscc
from haihe.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from haihe.core.importing import Column, Columns, ImportReport, RowError, open_sheet
from haihe.fairs import queries, service
from haihe.fairs.models import FairSlot
from haihe.registry import queries as registry
from haihe.registry import values

ROW_FAILURES = (InvalidInput, NotAllowed, NotFound, Conflict)
KINDS = ("participants", "requests")
PARTICIPANTS = Columns(
    [
        Column("organisation", ("企业名称", "单位名称", "organisation", "name"), required=True),
        Column("uscc", ("统一社会信用代码", "uscc", "credit code")),
        Column("representatives", ("参会代表", "代表", "representatives")),
        Column("slots", ("可约时段", "时段", "available slots", "slots", "availability")),
        Column("quota", ("洽谈上限", "quota", "meeting quota")),
    ],
    unused=("序号", "no", "备注", "notes"),
)
REQUESTS = Columns(
    [
        Column("requester", ("发起方", "requester"), required=True),
        Column("requester_uscc", ("发起方信用代码", "requester uscc")),
        Column("requested", ("受邀方", "requested"), required=True),
        Column("requested_uscc", ("受邀方信用代码", "requested uscc")),
        Column("priority", ("优先级", "priority")),
    ],
    unused=("序号", "no", "备注", "notes"),
)
PRIORITIES = {
    "1": 1,
    "2": 2,
    "3": 3,
    "low": 1,
    "normal": 2,
    "high": 3,
    "低": 1,
    "中": 2,
    "普通": 2,
    "高": 3,
}
_SPLIT = re.compile(r"[,，、;；\n\r/]+")


def _organisation(s: Session, name: object, code: object, field: str, code_field: str) -> int:
    if not values.is_missing(code):
        c = values.clean(code).upper()
        if not uscc.is_valid(c):
            raise InvalidInput("fairs.import_uscc_invalid", field=code_field, value=c[:40])
        org = registry.find_by_uscc(s, c)
        if org is None:
            raise InvalidInput("fairs.import_organisation_unknown", field=code_field, value=c)
        return org.id
    n = values.clean(name) if not values.is_missing(name) else ""
    if not n:
        raise InvalidInput("fairs.import_organisation_missing", field=field)
    found = registry.find_by_name(s, n[:300])
    if not found:
        raise InvalidInput("fairs.import_organisation_unknown", field=field, value=n[:60])
    if len(found) > 1:
        raise InvalidInput("fairs.import_organisation_ambiguous", field=field, value=n[:60])
    return found[0].id


def _slots(text: object, slot_ids: list[int]) -> list[int] | None:
    """Slot numbers (1-based, ranges a-b) to slot ids; None (all) when empty."""
    if values.is_missing(text):
        return None
    raw = values.clean(text)
    if raw in ("全部", "all", "*"):
        return None
    chosen: set[int] = set()
    for part in _SPLIT.split(raw):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"([0-9]{1,4})\s*[-–~至]\s*([0-9]{1,4})|([0-9]{1,4})", part)
        if m is None:
            raise InvalidInput("fairs.import_slots_unreadable", field="slots", value=raw[:60])
        lo, hi = (int(m.group(1)), int(m.group(2))) if m.group(3) is None else (int(m[3]),) * 2
        if lo < 1 or hi > len(slot_ids) or lo > hi:
            raise InvalidInput(
                "fairs.import_slot_range", field="slots", value=part[:20], n=len(slot_ids)
            )
        chosen.update(range(lo, hi + 1))
    return [slot_ids[i - 1] for i in sorted(chosen)]


def _quota(value: object) -> int | None:
    if values.is_missing(value):
        return None
    text = values.clean(value)
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if not re.fullmatch(r"[0-9]{1,4}", text):
        raise InvalidInput("fairs.quota_range", field="quota", value=text[:20])
    return int(text)


def _priority(value: object) -> int:
    if values.is_missing(value):
        return 2
    text = values.clean(value).lower()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    if text not in PRIORITIES:
        raise InvalidInput("fairs.schedule_priority", field="priority", value=text[:20])
    return PRIORITIES[text]


def _names(value: object) -> list[str] | None:
    if values.is_missing(value):
        return None
    return [n.strip() for n in _SPLIT.split(str(value)) if n.strip()]


def _participant_row(s: Session, principal, fair_id: int, get, slot_ids: list[int]) -> str:  # noqa: ANN001
    org = _organisation(s, get("organisation"), get("uscc"), "organisation", "uscc")
    slots = _slots(get("slots"), slot_ids)
    quota = _quota(get("quota"))
    names = _names(get("representatives"))
    pid = queries.participant_for(s, fair_id, org)
    if pid is None:
        service.do_add_participant(
            s, principal, fair_id, org, quota=quota, slot_ids=slots, representatives=names
        )
        return "created"
    changed = service.do_update_participant(
        s, principal, fair_id, pid, quota=quota, slot_ids=slots, representatives=names
    )
    return "updated" if changed else "unchanged"


def _request_row(s: Session, principal, fair_id: int, get, _slot_ids: list[int]) -> str:  # noqa: ANN001
    sides = []
    for f in ("requester", "requested"):
        org = _organisation(s, get(f), get(f"{f}_uscc"), f, f"{f}_uscc")
        pid = queries.participant_for(s, fair_id, org)
        if pid is None:
            raise InvalidInput("fairs.import_not_participant", field=f, value=str(get(f))[:60])
        sides.append(pid)
    priority = _priority(get("priority"))
    a, b = sides
    if a == b:
        raise InvalidInput("fairs.request_self", field="requested")
    have = {(r.requester_id, r.requested_id): r for r in queries.list_requests(s, fair_id)}
    if (a, b) in have or ((b, a) in have and have[(b, a)].mutual):
        return "unchanged"
    service.do_request_meeting(s, principal, fair_id, a, b, priority=priority)
    return "created"


def do_import(
    engine: Engine,
    principal: scopes.Principal,
    fair_id: int,
    kind: str,
    path: str | Path,
) -> ImportReport:
    """Import a fair's participants or requests (`kind`) as `principal` (the fair's
    organiser): all or nothing; FILE.errors.xlsx names the rows to fix."""
    if kind not in KINDS:
        raise InvalidInput("fairs.import_kind", field="kind", value=str(kind)[:20])
    with Session(engine) as s:
        queries.get_fair(s, fair_id)  # NotFound
        if not scopes.can_organise_fair(principal, fair_id):
            raise NotAllowed("fairs.organise_not_allowed")
    spec = PARTICIPANTS if kind == "participants" else REQUESTS
    one = _participant_row if kind == "participants" else _request_row
    path = Path(path)
    report = ImportReport(path)
    try:
        sheet = open_sheet(path, spec)
    except InvalidInput as p:
        report.file_problem = p
        return report
    report.read(sheet)
    rows_in = list(sheet.rows)
    sheet.close()
    report.rows = len(rows_in)
    with Session(engine) as s:
        slot_ids = list(
            s.execute(
                select(FairSlot.id).where(FairSlot.fair_id == fair_id).order_by(FairSlot.starts_at)
            ).scalars()
        )
        counts = {"created": 0, "updated": 0, "unchanged": 0}
        for n, cells in rows_in:

            def get(f: str, cells: list[object] = cells) -> object:
                i = sheet.columns.index.get(f)
                return cells[i] if i is not None and i < len(cells) else None

            try:
                with s.begin_nested():
                    counts[one(s, principal, fair_id, get, slot_ids)] += 1
            except ROW_FAILURES as exc:
                col = getattr(exc, "field", None) or spec.columns[0].field
                col = {"organisation_id": "organisation", "slots": "slots"}.get(col, col)
                if col not in sheet.columns.index:
                    col = spec.columns[0].field
                header = sheet.columns.header(col)
                value = get(col)
                report.reject(
                    sheet, n, cells, [RowError(n, header, "" if value is None else str(value), exc)]
                )
        report.created, report.updated, report.unchanged = (
            counts["created"],
            counts["updated"],
            counts["unchanged"],
        )

        def commit() -> None:
            with service._acting(principal):
                name = f"{fair_id}:{path.name}"
                record(s, "import", f"fair_{kind}", name, report.audit_counts())
            s.commit()

        report.settle(commit, s.rollback)
    return report.finish()
