"""Declared placements from a file: an import column saying which segments an
organisation is on (a park's own survey, an enterprise list from a bureau).

Columns: the organisation by USCC (统一社会信用代码) or by exact name (名称), the chain
(产业链, key or name) and the segment (环节, id or name); optionally the activity
(活动: make / research / service / trade, or 生产 / 研发 / 服务 / 销售). All or nothing: any
bad row and nothing is written; every bad row is named with its row and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from haihe.audit.recorder import record
from haihe.chains import members
from haihe.chains import service as chain_service
from haihe.chains.models import ROLES, Placement
from haihe.core.errors import InvalidInput
from haihe.core.tabular import RowError, header_key, open_table
from haihe.registry import queries as registry
from haihe.registry.models import Organisation

COLUMNS = {
    "uscc": ("uscc", "统一社会信用代码", "信用代码"),
    "name": ("name", "名称", "企业名称", "机构名称"),
    "chain": ("chain", "产业链"),
    "segment": ("segment", "环节", "产业链环节"),
    "role": ("role", "活动", "活动类型"),
}
ROLE_WORDS = {
    "生产": "make",
    "制造": "make",
    "研发": "research",
    "服务": "service",
    "销售": "trade",
}


def _column(header: str) -> str | None:
    key = header_key(header)
    for name, aliases in COLUMNS.items():
        if key in {header_key(a) for a in aliases}:
            return name
    return None


@dataclass
class DeclaredReport:
    rows: int = 0
    written: int = 0
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


def import_declared(engine: Engine, path: Path, username: str | None = None) -> DeclaredReport:
    table = open_table(Path(path), lambda h: _column(h) is not None)
    cols = {i: _column(h) for i, h in enumerate(table.headers)}
    report = DeclaredReport()
    with Session(engine) as s:
        chains = {c.key: c.definition for c in chain_service.all_chains(s)}
        by_name = {}
        for d in chains.values():
            by_name[d.key] = d
            by_name[d.name_zh] = d
            if d.name_en:
                by_name[d.name_en.lower()] = d
        wanted: dict[tuple[int, str, str], str] = {}
        try:
            for row_no, cells in table.rows:
                values = {
                    cols[i]: ("" if v is None else str(v).strip())
                    for i, v in enumerate(cells)
                    if cols.get(i)
                }
                if not any(values.values()):
                    continue
                report.rows += 1

                def bad(
                    column: str, value: str, key: str, row_no: int = row_no, **params: object
                ) -> None:
                    report.errors.append(
                        RowError(row_no, column, value, InvalidInput(key, **params))
                    )

                org: Organisation | None = None
                if values.get("uscc"):
                    org = registry.find_by_uscc(s, values["uscc"].upper())
                    if org is None:
                        bad("uscc", values["uscc"], "declared.unknown_org")
                        continue
                elif values.get("name"):
                    found = registry.find_by_name(s, values["name"])
                    if len(found) != 1:
                        bad(
                            "name",
                            values["name"],
                            "declared.ambiguous_org" if found else "declared.unknown_org",
                        )
                        continue
                    org = found[0]
                else:
                    bad("uscc", "", "declared.no_org")
                    continue
                chain = by_name.get(values.get("chain", "")) or by_name.get(
                    values.get("chain", "").lower()
                )
                if chain is None:
                    bad("chain", values.get("chain", ""), "declared.unknown_chain")
                    continue
                seg_text = values.get("segment", "")
                seg = chain.segment(seg_text) or next(
                    (x for x in chain.segments if seg_text in (x.name_zh, x.name_en)), None
                )
                if seg is None:
                    bad("segment", seg_text, "declared.unknown_segment", chain=chain.key)
                    continue
                role_text = values.get("role", "")
                role = ROLE_WORDS.get(role_text, role_text) or (
                    "research" if org.kind in ("research_institute", "university") else "make"
                )
                if role not in ROLES:
                    bad("role", role_text, "declared.bad_role", choices=", ".join(ROLES))
                    continue
                wanted[(org.id, chain.key, seg.id)] = role
        finally:
            table.close()
        if report.errors:
            return report
        for (oid, ck, sid), role in wanted.items():
            row = s.get(Placement, (oid, ck, sid))
            if row is None:
                row = Placement(organisation_id=oid, chain_key=ck, segment_id=sid)
                s.add(row)
            if row.decision == "removed":
                continue  # an officer's removal wins over a declaration
            row.role, row.source, row.confidence = role, "declared", 1.0
            row.reason_zh, row.reason_en = (
                f"申报：{Path(path).name}",
                f"declared in {Path(path).name}",
            )
            report.written += 1
        members.rebuild_for(s, [oid for oid, _c, _s in wanted])
        record(
            s, "import", "placements", None, {"file": Path(path).name, "declared": report.written}
        )
        s.commit()
        report.committed = True
    return report
