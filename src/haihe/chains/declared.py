"""Declared placements from a file: an import column saying which segments an
organisation is on (a park's own survey, an enterprise list from a bureau).

The door is `do_import_declared(engine, principal, path)`, on the import kernel
(core/importing.py). Columns: the organisation by USCC (统一社会信用代码) or by exact name
(名称), the chain (产业链, key or name) and the segment (环节, id or name); optionally the
activity (活动: make / research / service / trade, or 生产 / 研发 / 服务 / 销售). All or
nothing: any bad row and nothing is written (with `skip_invalid`, each bad row is left
out); every bad row is named with its row and column, and the rows to fix are written to
`FILE.errors.xlsx`. A row may place only an organisation its principal may place;
re-importing a file changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.audit.recorder import record
from haihe.chains import members
from haihe.chains import queries as chain_queries
from haihe.chains.models import ROLES, Placement
from haihe.core.errors import InvalidInput, NotAllowed
from haihe.core.importing import Column, Columns, ImportReport, RowError, open_sheet
from haihe.registry import queries as registry

COLUMNS = Columns(
    [
        Column("uscc", ("统一社会信用代码", "信用代码", "uscc")),
        Column("name", ("名称", "企业名称", "机构名称", "name")),
        Column("chain", ("产业链", "chain"), required=True),
        Column("segment", ("环节", "产业链环节", "segment"), required=True),
        Column("role", ("活动", "活动类型", "role")),
    ]
)
ROLE_WORDS = {
    "生产": "make",
    "制造": "make",
    "研发": "research",
    "服务": "service",
    "销售": "trade",
}


def require_declarer(principal: scopes.Principal) -> None:
    if not scopes.can_declare_placements(principal):
        raise NotAllowed("auth.forbidden")


def do_import_declared(
    engine: Engine, principal: scopes.Principal, path: str | Path, *, skip_invalid: bool = False
) -> ImportReport:
    """Import declared placements as `principal`. Raises NotAllowed when the principal may
    place no organisation at all; a row placing one outside their scope is a bad row."""
    require_declarer(principal)
    path = Path(path)
    report = ImportReport(path, skip_invalid=skip_invalid)
    try:
        sheet = open_sheet(path, COLUMNS)
    except InvalidInput as p:
        report.file_problem = p
        return report
    report.read(sheet)
    header = sheet.columns.header
    with Session(engine) as s:
        chains = {c.key: c.definition for c in chain_queries.all_chains(s)}
        by_name = {}
        for d in chains.values():
            by_name[d.key] = d
            by_name[d.name_zh] = d
            if d.name_en:
                by_name[d.name_en.lower()] = d
        wanted: dict[tuple[int, str, str], str] = {}
        try:
            for row_no, cells in sheet.rows:
                values = {
                    f: ("" if i >= len(cells) or cells[i] is None else str(cells[i]).strip())
                    for f, i in sheet.columns.index.items()
                }
                if not any(values.values()):
                    continue
                report.rows += 1
                problem = _row(s, principal, values, by_name, wanted)
                if problem is not None:
                    f, key, params = problem
                    error = RowError(
                        row_no, header(f), values.get(f, ""), InvalidInput(key, **params)
                    )
                    report.reject(sheet, row_no, cells, [error])
        finally:
            sheet.close()
        if not report.writing:
            wanted = {}
        changed: list[int] = []
        reason_zh, reason_en = f"申报：{path.name}", f"declared in {path.name}"
        for (oid, ck, sid), role in wanted.items():
            row = s.get(Placement, (oid, ck, sid))
            if row is not None and row.decision == "removed":
                report.unchanged += 1  # an officer's removal wins over a declaration
                continue
            if row is None:
                row = Placement(organisation_id=oid, chain_key=ck, segment_id=sid)
                s.add(row)
                report.created += 1
            elif (row.role, row.source, row.confidence, row.reason_zh, row.reason_en) == (
                role,
                "declared",
                1.0,
                reason_zh,
                reason_en,
            ):
                report.unchanged += 1
                continue
            else:
                report.updated += 1
            row.role, row.source, row.confidence = role, "declared", 1.0
            row.reason_zh, row.reason_en = reason_zh, reason_en
            changed.append(oid)

        def commit() -> None:
            if changed:
                members.rebuild_for(s, changed)
            record(s, "import", "placements", path.name, report.audit_counts())
            s.commit()

        report.settle(commit, s.rollback)
    return report.finish()


def _row(
    s: Session,
    principal: scopes.Principal,
    values: dict[str, str],
    by_name: dict,
    wanted: dict[tuple[int, str, str], str],
) -> tuple[str, str, dict[str, object]] | None:
    """Check one row and note what it places; else (column, message key, params)."""
    if values.get("uscc"):
        org = registry.find_by_uscc(s, values["uscc"].upper())
        if org is None:
            return "uscc", "declared.unknown_org", {}
    elif values.get("name"):
        found = registry.find_by_name(s, values["name"])
        if len(found) != 1:
            return "name", "declared.ambiguous_org" if found else "declared.unknown_org", {}
        org = found[0]
    else:
        return "uscc", "declared.no_org", {}
    if not scopes.can_place_organisation(principal, org.region_code, org.park_id, org.id):
        return ("uscc" if values.get("uscc") else "name"), "auth.out_of_scope", {}
    chain = by_name.get(values.get("chain", "")) or by_name.get(values.get("chain", "").lower())
    if chain is None:
        return "chain", "declared.unknown_chain", {}
    seg_text = values.get("segment", "")
    seg = chain.segment(seg_text) or next(
        (x for x in chain.segments if seg_text in (x.name_zh, x.name_en)), None
    )
    if seg is None:
        return "segment", "declared.unknown_segment", {"chain": chain.key}
    role_text = values.get("role", "")
    role = ROLE_WORDS.get(role_text, role_text) or (
        "research" if org.kind in ("research_institute", "university") else "make"
    )
    if role not in ROLES:
        return "role", "declared.bad_role", {"choices": ", ".join(ROLES)}
    wanted[(org.id, chain.key, seg.id)] = role
    return None
