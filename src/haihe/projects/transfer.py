"""Importing and exporting projects and milestones (XLSX or CSV), all-or-nothing.

The file has a projects sheet and, optionally, a milestones sheet (节点). Projects match
existing ones by their code: a new code creates a project, a known one updates its
editable fields; milestones already recorded are skipped, so re-importing a file changes
nothing. Any bad row means nothing is written, and the rows to fix are written to
`FILE.errors.xlsx` beside the input, as for organisations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from haihe.codes import regions
from haihe.core.errors import InvalidInput
from haihe.core.i18n import catalogue
from haihe.core.tabular import RowError, header_key, write_error_report
from haihe.fairs import service as fairs
from haihe.projects import lifecycle, service
from haihe.projects.models import TYPES, Project
from haihe.registry import queries as registry
from haihe.registry import values

PROJECT_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("项目编号", "编号", "code"),
    "title": ("项目名称", "名称", "title"),
    "project_type": ("项目类型", "类型", "type"),
    "chain": ("产业链", "chain"),
    "segment": ("环节", "产业链环节", "segment"),
    "signed_on": ("签约日期", "signed", "signedon"),
    "intended": ("意向投资", "意向投资额", "intendedinvestment"),
    "contracted": ("合同投资", "合同投资额", "contractedinvestment"),
    "in_place": ("到位资金", "实际到位资金", "investmentinplace"),
    "investor": ("投资方", "投资方统一社会信用代码", "investor"),
    "host": ("承接方", "合作方", "host", "partner"),
    "landing": ("落地地区", "落地区域", "landing", "landingregion"),
    "park": ("落地园区", "园区", "park"),
    "fair": ("对接会", "签约来源", "fair", "source"),
    "officer": ("负责人", "责任人", "officer"),
    "notes": ("备注", "notes"),
}
MILESTONE_HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("项目编号", "编号", "code"),
    "kind": ("节点", "阶段", "milestone", "stage"),
    "on": ("日期", "节点日期", "date", "on"),
    "evidence": ("证明材料", "证明", "evidence"),
    "by": ("记录人", "recordedby", "by"),
}
MILESTONE_SHEETS = ("节点", "milestones", "节点 milestones", "推进节点")


def _stage_names() -> dict[str, str]:
    out = {}
    for lang in ("zh", "en"):
        for key, text in catalogue(lang).items():
            if key.startswith("stage."):
                out[header_key(text)] = key.split(".", 1)[1]
    for kind in (*lifecycle.STAGES, lifecycle.PAYING_TAX, lifecycle.CANCELLED):
        out[header_key(kind)] = kind
    return out


def _type_names() -> dict[str, str]:
    out = {header_key(t): t for t in TYPES}
    for lang in ("zh", "en"):
        for key, text in catalogue(lang).items():
            if key.startswith("ptype."):
                out[header_key(text)] = key.split(".", 1)[1]
    return out


@dataclass
class ProjectImportReport:
    path: Path
    projects: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    milestones: int = 0
    milestones_recorded: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_problem: InvalidInput | None = None
    report_path: Path | None = None
    committed: bool = False

    @property
    def bad_rows(self) -> list[tuple[str, int]]:
        return sorted({(e.column.split(":")[0], e.row) for e in self.errors})


def _sheets(path: Path) -> dict[str, tuple[list[str], list[tuple[int, list[object]]]]]:
    """Each sheet as (headers, rows); a CSV is a single projects sheet."""
    if path.suffix.lower() == ".csv":
        from haihe.core.tabular import open_table

        table = open_table(
            path, lambda k: any(k == header_key(h) for hs in PROJECT_HEADERS.values() for h in hs)
        )
        return {"projects": (table.headers, list(table.rows))}
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # damaged or not a workbook
        raise InvalidInput("file.bad_xlsx", reason=str(exc)) from exc
    out = {}
    for i, ws in enumerate(wb.worksheets):
        rows = [
            (n, list(r))
            for n, r in enumerate(ws.iter_rows(values_only=True), start=1)
            if any(c not in (None, "") for c in r)
        ]
        if not rows:
            continue
        key = (
            "milestones"
            if header_key(ws.title) in {header_key(m) for m in MILESTONE_SHEETS}
            or (i > 0 and "projects" in out)
            else "projects"
        )
        headers = [str(c).strip() if c is not None else "" for c in rows[0][1]]
        out[key] = (headers, rows[1:])
    wb.close()
    return out


def _colmap(headers: list[str], spec: dict[str, tuple[str, ...]]) -> dict[str, int]:
    lookup = {header_key(h): f for f, hs in spec.items() for h in hs}
    out: dict[str, int] = {}
    for i, h in enumerate(headers):
        f = lookup.get(header_key(h))
        if f and f not in out:
            out[f] = i
    return out


def _pick(cells: list[object], cols: dict[str, int], f: str) -> object:
    i = cols.get(f)
    v = cells[i] if i is not None and i < len(cells) else None
    return None if values.is_missing(v) else (v.strip() if isinstance(v, str) else v)


def _add_error(
    errs: list[RowError],
    n: int,
    headers: list[str],
    cols: dict[str, int],
    f: str,
    v: object,
    problem: InvalidInput,
) -> None:
    errs.append(
        RowError(n, headers[cols[f]] if f in cols else f, "" if v is None else str(v), problem)
    )


def _amount(get, err, unit: dict[str, Decimal], f: str) -> Decimal | None:  # noqa: ANN001
    """An investment column in yuan (万元 and 亿元 as written, or by the header's unit)."""
    raw = get(f)
    try:
        parsed = values.parse_capital(raw, unit.get(f, Decimal(1)))
    except InvalidInput as p:
        err(f, raw, p)
        return None
    if parsed and parsed[1] != "CNY":
        err(f, raw, InvalidInput("projects.yuan_only"))
        return None
    return parsed[0] if parsed else None


def _party_ident(s: Session, party: dict, role: str) -> str | None:
    """How the export names a party: its USCC, else its name (both read back)."""
    x = party.get(role)
    if x is None:
        return None
    if x.organisation_id:
        org = registry.get_organisation(s, x.organisation_id)
        return org.uscc or org.name
    return x.name


def import_projects(
    engine: Engine, path: str | Path, *, by: str | None = None, today: date | None = None
) -> ProjectImportReport:
    path = Path(path)
    report = ProjectImportReport(path=path)
    today = today or date.today()
    if not path.exists():
        report.file_problem = InvalidInput("file.not_found", path=str(path))
        return report
    if path.stat().st_size == 0:
        report.file_problem = InvalidInput("file.empty")
        return report
    try:
        sheets = _sheets(path)
    except InvalidInput as p:
        report.file_problem = p
        return report
    if "projects" not in sheets:
        report.file_problem = InvalidInput("file.empty")
        return report
    headers, rows = sheets["projects"]
    cols = _colmap(headers, PROJECT_HEADERS)
    for required in ("code", "title"):
        if required not in cols:
            report.file_problem = InvalidInput(
                "import.missing_column",
                column=" / ".join(PROJECT_HEADERS[required][:1] + (required,)),
            )
            return report
    if not rows:
        report.file_problem = InvalidInput("file.header_only")
        return report
    unit = {f: values.header_multiplier(headers[i]) for f, i in cols.items()}
    stages, types = _stage_names(), _type_names()
    bad: list[tuple[int, list[object], list[RowError]]] = []
    bad_m: list[tuple[int, list[object], list[RowError]]] = []
    with Session(engine) as s:
        seen: dict[str, int] = {}
        for n, cells in rows:
            report.projects += 1
            errs: list[RowError] = []

            get = partial(_pick, cells, cols)
            err = partial(_add_error, errs, n, headers, cols)

            code, title = get("code"), get("title")
            if not code:
                err("code", None, InvalidInput("projects.code_missing"))
            elif str(code) in seen:
                err("code", code, InvalidInput("projects.duplicate_code", first=seen[str(code)]))
            else:
                seen[str(code)] = n
            if not title:
                err("title", None, InvalidInput("projects.title_missing"))

            amount = partial(_amount, get, err, unit)
            intended, contracted, in_place = (
                amount("intended"),
                amount("contracted"),
                amount("in_place"),
            )
            signed_on = None
            try:
                signed_on = values.parse_date(get("signed_on"))
            except InvalidInput as p:
                err("signed_on", get("signed_on"), p)
            ptype = "other"
            if get("project_type"):
                ptype = types.get(header_key(get("project_type")))
                if ptype is None:
                    err(
                        "project_type",
                        get("project_type"),
                        InvalidInput("projects.type_unknown", value=get("project_type")),
                    )
            landing = None
            if get("landing"):
                r = regions.lookup(str(get("landing")))
                if r is None:
                    err(
                        "landing",
                        get("landing"),
                        InvalidInput("import.region_unknown", value=get("landing")),
                    )
                else:
                    landing = r.code
            parties = []
            for role, f in (("investor", "investor"), ("host", "host")):
                raw = get(f)
                if not raw:
                    continue
                from haihe.codes import uscc

                check = uscc.validate(str(raw))
                found = (
                    [registry.find_by_uscc(s, check.code)]
                    if check.ok
                    else registry.find_by_name(s, str(raw))
                )
                found = [o for o in found if o is not None]
                if len(found) != 1:
                    err(
                        f,
                        raw,
                        InvalidInput(
                            "projects.party_unknown" if not found else "projects.party_ambiguous",
                            value=raw,
                        ),
                    )
                else:
                    parties.append(service.PartyInput(organisation_id=found[0].id, role=role))
            fair_id = None
            if get("fair"):
                fair = fairs.find_fair(s, str(get("fair")))
                if fair is None:
                    err(
                        "fair",
                        get("fair"),
                        InvalidInput("projects.fair_unknown", value=get("fair")),
                    )
                else:
                    fair_id = fair.id
            park_id = None
            if get("park"):
                park = registry.find_park(s, str(get("park")))
                if park is None:
                    err("park", get("park"), InvalidInput("import.park_unknown", value=get("park")))
                else:
                    park_id = park.id
            if errs:
                report.errors.extend(errs)
                bad.append((n, cells, errs))
                continue
            existing = service.find_project(s, str(code))
            try:
                if existing is None:
                    service.do_create_project(
                        s,
                        service.ProjectInput(
                            code=str(code),
                            title=str(title),
                            parties=parties,
                            intended_investment=intended or Decimal(0),
                            contracted_investment=contracted,
                            invested_in_place=in_place,
                            project_type=ptype,
                            chain=get("chain"),
                            segment=get("segment"),
                            landing_region_code=landing,
                            landing_park_id=park_id,
                            fair_id=fair_id,
                            officer=get("officer"),
                            notes=get("notes"),
                            signed_on=signed_on,
                        ),
                        by=by,
                        today=today,
                    )
                    report.created += 1
                else:
                    changes = {
                        k: v
                        for k, v in (
                            ("title", str(title)),
                            ("project_type", ptype),
                            ("chain", get("chain")),
                            ("segment", get("segment")),
                            ("contracted_investment", contracted),
                            ("invested_in_place", in_place),
                            ("officer", get("officer")),
                            ("notes", get("notes")),
                            ("landing_park_id", park_id),
                        )
                        if getattr(existing, k) != v
                    }
                    if changes:
                        service.do_update_project(
                            s, existing.id, changes, version=existing.version, by=by
                        )
                        report.updated += 1
                    else:
                        report.unchanged += 1
            except InvalidInput as exc:
                problem = (
                    exc
                    if isinstance(exc, InvalidInput)
                    else InvalidInput("projects.invalid", field=exc.field, reason=exc.message("zh"))
                )
                e = RowError(n, headers[cols["code"]], str(code), problem)
                report.errors.append(e)
                bad.append((n, cells, [e]))

        if "milestones" in sheets:
            mh, mrows = sheets["milestones"]
            mc = _colmap(mh, MILESTONE_HEADERS)
            for n, cells in mrows:
                report.milestones += 1

                mget = partial(_pick, cells, mc)

                code, kind_raw = mget("code"), mget("kind")
                col = mh[mc["code"]] if "code" in mc else "code"
                project = service.find_project(s, str(code)) if code else None
                kind = stages.get(header_key(kind_raw)) if kind_raw else None
                problem = None
                try:
                    on = values.parse_date(mget("on"))
                except InvalidInput as p:
                    problem, on = p, None
                if project is None:
                    problem = InvalidInput("projects.unknown_code", value=code)
                elif kind is None:
                    problem = InvalidInput("lifecycle.unknown_stage", stage=kind_raw)
                    col = mh[mc["kind"]] if "kind" in mc else "kind"
                elif on is None and problem is None:
                    problem = InvalidInput("value.date_unreadable", value="")
                if problem is None:
                    done = any(
                        m.kind == kind and m.reached_on == on and not m.reverted
                        for m in project.milestones
                    )
                    if done:
                        continue
                    try:
                        if kind == lifecycle.CANCELLED:
                            service.do_cancel(
                                s,
                                project.id,
                                on,
                                str(mget("evidence") or ""),
                                by=mget("by") or by,
                                today=today,
                            )
                        elif kind == "signed" and project.signed_on == on:
                            continue
                        else:
                            service.do_record_milestone(
                                s,
                                project.id,
                                kind,
                                on,
                                by=mget("by") or by,
                                evidence=mget("evidence"),
                                today=today,
                            )
                        report.milestones_recorded += 1
                        continue
                    except InvalidInput as p:
                        problem = p
                e = RowError(n, f"节点:{col}", "" if code is None else str(code), problem)
                report.errors.append(e)
                bad_m.append((n, cells, [e]))
        if report.errors:
            s.rollback()
            report.created = report.updated = report.unchanged = 0
            report.milestones_recorded = 0
        else:
            s.commit()
            report.committed = True
    if bad or bad_m:
        report.report_path = write_error_report(path, headers, bad + bad_m)
    return report


EXPORT_HEADERS = (
    "项目编号",
    "项目名称",
    "项目类型",
    "产业链",
    "环节",
    "签约日期",
    "意向投资",
    "合同投资",
    "到位资金",
    "投资方",
    "承接方",
    "落地地区",
    "落地园区",
    "对接会",
    "负责人",
    "备注",
)


def export_projects(engine: Engine, path: str | Path) -> int:
    """Projects and their milestones as an .xlsx the import reads back."""
    from openpyxl import Workbook
    from sqlalchemy import select

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput("file.unsupported", suffix=path.suffix or path.name)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("项目 projects")
    ms = wb.create_sheet("节点")
    ws.append(list(EXPORT_HEADERS))
    ms.append(["项目编号", "节点", "日期", "证明材料", "记录人"])
    n = 0
    with Session(engine) as s:
        fair_names = {f.id: f.name for f in fairs.list_fairs(s)}
        park_names = {p.id: p.name for p in registry.list_parks(s)}
        for p in s.execute(select(Project).order_by(Project.id)).scalars():
            party = {x.role: x for x in p.parties}
            ident = partial(_party_ident, s, party)

            signed = next(
                (m.reached_on for m in p.milestones if m.kind == "signed" and not m.reverted),
                p.signed_on,
            )
            ws.append(
                [
                    p.code,
                    p.title,
                    p.project_type,
                    p.chain,
                    p.segment,
                    signed,
                    str(p.intended_investment - sum((i.amount for i in p.increments), Decimal(0))),
                    str(p.contracted_investment) if p.contracted_investment is not None else None,
                    str(p.invested_in_place) if p.invested_in_place is not None else None,
                    ident("investor"),
                    ident("host"),
                    p.landing_region_code,
                    park_names.get(p.landing_park_id),
                    fair_names.get(p.fair_id),
                    p.officer,
                    p.notes,
                ]
            )
            for m in p.milestones:
                if not m.reverted and not (m.kind == "signed" and m.reached_on == signed):
                    ms.append([p.code, m.kind, m.reached_on, m.evidence, m.recorded_by])
            n += 1
    wb.save(path)
    return n
