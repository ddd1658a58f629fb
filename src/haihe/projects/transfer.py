"""Importing and exporting projects and milestones (XLSX or CSV), all-or-nothing.

The door is `do_import_projects(engine, principal, path)`, on the import kernel
(core/importing.py). The file has a projects sheet and, optionally, a milestones sheet
(节点). Projects match existing ones by their code: a new code creates a project, a known
one updates its editable fields; milestones already recorded are skipped, so re-importing
a file changes nothing. Any bad row means nothing is written (or, with `skip_invalid`,
each bad row is left out whole), and the rows to fix are written to `FILE.errors.xlsx`
beside the input, as for organisations. Every write goes through projects.service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import partial
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.audit.recorder import record
from haihe.chains.queries import chain_choices
from haihe.codes import regions, uscc
from haihe.core.errors import Conflict, HaiheError, InvalidInput, NotAllowed, NotFound
from haihe.core.i18n import catalogue, t
from haihe.core.importing import Column, Columns, ImportReport, RowError, Sheet, open_sheet
from haihe.core.tabular import (
    WAN_FORMAT,
    append_row,
    header_key,
    made_at,
    prepare_sheet,
    sheet_titles,
)
from haihe.fairs import queries as fairs
from haihe.projects import lifecycle, queries, service
from haihe.projects.models import TYPES, Project
from haihe.registry import queries as registry
from haihe.registry import values

PROJECT_COLUMNS = Columns(
    [
        Column("code", ("项目编号", "编号", "code"), required=True),
        Column("title", ("项目名称", "名称", "title"), required=True),
        Column("project_type", ("项目类型", "类型", "type")),
        Column("chain", ("产业链", "chain")),
        Column("segment", ("环节", "产业链环节", "segment")),
        Column("signed_on", ("签约日期", "signed", "signedon")),
        Column("intended", ("意向投资", "意向投资额", "intendedinvestment")),
        Column("contracted", ("合同投资", "合同投资额", "contractedinvestment")),
        Column("in_place", ("到位资金", "实际到位资金", "investmentinplace")),
        Column("investor", ("投资方", "投资方统一社会信用代码", "investor")),
        Column("host", ("承接方", "合作方", "host", "partner")),
        Column("landing", ("落地地区", "落地区域", "landing", "landingregion")),
        Column("park", ("落地园区", "园区", "park")),
        Column("fair", ("对接会", "签约来源", "fair", "source")),
        Column("officer", ("负责人", "责任人", "officer")),
        Column("notes", ("备注", "notes")),
    ]
)
MILESTONE_COLUMNS = Columns(
    [
        Column("code", ("项目编号", "编号", "code"), required=True),
        Column("kind", ("节点", "阶段", "milestone", "stage"), required=True),
        Column("on", ("日期", "节点日期", "date", "on"), required=True),
        Column("evidence", ("证明材料", "证明", "evidence")),
        Column("by", ("记录人", "recordedby", "by")),
    ]
)
MILESTONES = "节点"  # how messages and the error report name the milestones sheet
MILESTONE_SHEETS = ("节点", "milestones", "节点 milestones", "推进节点")
# What a row's failure in projects.service is: the row is bad, the import goes on.
ROW_FAILURES = (InvalidInput, NotAllowed, NotFound, Conflict)


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


def _open(path: Path) -> tuple[Sheet, Sheet | None]:
    """The projects sheet (the first sheet with data that is not a milestones sheet) and
    the milestones sheet: the one titled 节点 / milestones, else the next sheet if its
    header is a milestones header. A CSV file is a projects sheet alone."""
    titles = sheet_titles(path)
    named = {header_key(m) for m in MILESTONE_SHEETS}
    at = next((i for i, title in enumerate(titles) if header_key(title) in named), None)
    main, main_at = None, 0
    for i in range(len(titles)):
        if i == at:
            continue
        try:
            main, main_at = open_sheet(path, PROJECT_COLUMNS, sheet=i), i
            break
        except InvalidInput as p:
            if p.key != "file.empty":
                raise
    if main is None:
        raise InvalidInput("file.empty")
    guessed = at is None
    at = main_at + 1 if at is None else at
    if at >= len(titles):
        return main, None
    try:
        return main, open_sheet(path, MILESTONE_COLUMNS, sheet=at, label=MILESTONES)
    except InvalidInput as p:
        if p.key == "file.empty" or (guessed and p.key == "file.no_header"):
            return main, None
        main.close()
        raise


def _pick(cells: list[object], sheet: Sheet, f: str) -> object:
    i = sheet.columns.index.get(f)
    v = cells[i] if i is not None and i < len(cells) else None
    return None if values.is_missing(v) else (v.strip() if isinstance(v, str) else v)


def _add_error(
    errs: list[RowError], n: int, sheet: Sheet, f: str, v: object, problem: HaiheError
) -> None:
    errs.append(RowError(n, sheet.columns.header(f), "" if v is None else str(v), problem))


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


Bad = tuple[Sheet, int, list[object], list[RowError]]


@dataclass
class _Pass:
    """One run over the rows in one session; what it wrote is committed or rolled back."""

    s: Session
    principal: scopes.Principal
    today: date
    main: Sheet
    skip: set[tuple[str | None, int]]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    recorded: int = 0
    bad: list[Bad] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stages, self.types = _stage_names(), _type_names()
        self.chain_keys: dict[str, str] = {}
        self.segment_ids: dict[tuple[str, str], str] = {}
        self.unit = {
            f: values.header_multiplier(self.main.headers[i])
            for f, i in self.main.columns.index.items()
        }

    def _names(self, s: Session) -> None:
        if self.chain_keys:
            return
        for c in chain_choices(s):
            for name in (c.key, c.name("zh"), c.name("en")):
                self.chain_keys[header_key(name)] = c.key
            for seg in c.segments:
                for name in (seg.id, seg.name("zh"), seg.name("en")):
                    self.segment_ids[(c.key, header_key(name))] = seg.id

    def _chain(self, s: Session, value: object) -> object:
        """A chain by its key or its Chinese or English name (the export writes names)."""
        if value in (None, ""):
            return value
        self._names(s)
        return self.chain_keys.get(header_key(value), value)

    def _segment(self, s: Session, chain: object, value: object) -> object:
        if value in (None, ""):
            return value
        key = self._chain(s, chain)
        return self.segment_ids.get((str(key), header_key(value)), value)

    def projects(self, rows: list[tuple[int, list[object]]]) -> None:
        for n, cells in rows:
            if (None, n) in self.skip:
                continue
            errs = self._project(n, cells)
            if errs:
                self.bad.append((self.main, n, cells, errs))

    def milestones(self, sheet: Sheet, rows: list[tuple[int, list[object]]]) -> None:
        for n, cells in rows:
            if (sheet.label, n) in self.skip:
                continue
            errs = self._milestone(sheet, n, cells)
            if errs:
                self.bad.append((sheet, n, cells, errs))

    def _project(self, n: int, cells: list[object]) -> list[RowError]:
        s = self.s
        errs: list[RowError] = []
        get = partial(_pick, cells, self.main)
        err = partial(_add_error, errs, n, self.main)

        code, title = get("code"), get("title")
        if not code:
            err("code", None, InvalidInput("projects.code_missing"))
        elif str(code) in self.seen:
            err("code", code, InvalidInput("projects.duplicate_code", first=self.seen[str(code)]))
        else:
            self.seen[str(code)] = n
        if not title:
            err("title", None, InvalidInput("projects.title_missing"))

        amount = partial(_amount, get, err, self.unit)
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
            ptype = self.types.get(header_key(get("project_type")))
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
        for role in ("investor", "host"):
            raw = get(role)
            if not raw:
                continue
            check = uscc.validate(str(raw))
            found = (
                [registry.find_by_uscc(s, check.code)]
                if check.ok
                else registry.find_by_name(s, str(raw))
            )
            found = [o for o in found if o is not None]
            if len(found) != 1:
                key = "projects.party_unknown" if not found else "projects.party_ambiguous"
                err(role, raw, InvalidInput(key, value=raw))
            else:
                parties.append(service.PartyInput(organisation_id=found[0].id, role=role))
        fair_id = None
        if get("fair"):
            fair = fairs.find_fair(s, str(get("fair")))
            if fair is None:
                err("fair", get("fair"), InvalidInput("projects.fair_unknown", value=get("fair")))
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
            return errs
        existing = queries.find_project(s, str(code))
        try:
            if existing is None:
                service.do_create_project(
                    s,
                    self.principal,
                    service.ProjectInput(
                        code=str(code),
                        title=str(title),
                        parties=parties,
                        intended_investment=intended or Decimal(0),
                        contracted_investment=contracted,
                        invested_in_place=in_place,
                        project_type=ptype,
                        chain=self._chain(s, get("chain")),
                        segment=self._segment(s, get("chain"), get("segment")),
                        landing_region_code=landing,
                        landing_park_id=park_id,
                        fair_id=fair_id,
                        officer=get("officer"),
                        notes=get("notes"),
                        signed_on=signed_on,
                    ),
                    today=self.today,
                )
                self.created += 1
                return []
            changes = {
                k: v
                for k, v in (
                    ("title", str(title)),
                    ("project_type", ptype),
                    ("chain", self._chain(s, get("chain"))),
                    ("segment", self._segment(s, get("chain"), get("segment"))),
                    ("contracted_investment", contracted),
                    ("invested_in_place", in_place),
                    ("officer", get("officer")),
                    ("notes", get("notes")),
                    ("landing_park_id", park_id),
                )
                if getattr(existing, k) != v
            }
            if not changes:
                self.unchanged += 1
                return []
            service.do_update_project(
                s, self.principal, existing.id, changes, version=existing.version
            )
            self.updated += 1
            return []
        except ROW_FAILURES as exc:
            return [RowError(n, self.main.columns.header("code"), str(code), exc)]

    def _milestone(self, sheet: Sheet, n: int, cells: list[object]) -> list[RowError]:
        s = self.s
        get = partial(_pick, cells, sheet)
        code, kind_raw = get("code"), get("kind")
        col = sheet.columns.header("code")
        project = queries.find_project(s, str(code)) if code else None
        kind = self.stages.get(header_key(kind_raw)) if kind_raw else None
        problem: HaiheError | None = None
        try:
            on = values.parse_date(get("on"))
        except InvalidInput as p:
            problem, on = p, None
        if project is None:
            problem = InvalidInput("projects.unknown_code", value=code)
        elif kind is None:
            problem = InvalidInput("lifecycle.unknown_stage", stage=kind_raw)
            col = sheet.columns.header("kind")
        elif on is None and problem is None:
            problem = InvalidInput("value.date_unreadable", value="")
        if problem is None:
            done = any(
                m.kind == kind and m.reached_on == on and not m.reverted for m in project.milestones
            )
            if done or (kind == "signed" and project.signed_on == on):
                return []
            # the actor is the importer: a 记录人 column is read back as the record's, not trusted
            try:
                if kind == lifecycle.CANCELLED:
                    service.do_cancel_project(
                        s,
                        self.principal,
                        project.id,
                        on,
                        str(get("evidence") or ""),
                        today=self.today,
                    )
                else:
                    service.do_record_milestone(
                        s,
                        self.principal,
                        project.id,
                        kind,
                        on,
                        evidence=get("evidence"),
                        today=self.today,
                    )
                self.recorded += 1
                return []
            except ROW_FAILURES as p:
                problem = p
        return [RowError(n, col, "" if code is None else str(code), problem)]


def require_project_importer(principal: scopes.Principal) -> None:
    if not scopes.can_import_projects(principal):
        raise NotAllowed("auth.forbidden")


def do_import_projects(
    engine: Engine,
    principal: scopes.Principal,
    path: str | Path,
    *,
    skip_invalid: bool = False,
    today: date | None = None,
) -> ImportReport:
    """Import a projects file as `principal`; `<file>.errors.xlsx` names the rows to fix.

    All or nothing; with `skip_invalid` the valid rows are written and each bad row is left
    out whole: a row refused by projects.service is taken out and the file run again, until
    every row that remains goes in. Raises NotAllowed when the principal may not import.
    """
    require_project_importer(principal)
    path = Path(path)
    report = ImportReport(path, skip_invalid=skip_invalid)
    today = today or date.today()
    try:
        main, milestones = _open(path)
    except InvalidInput as p:
        report.file_problem = p
        return report
    sheets = [main] if milestones is None else [main, milestones]
    rows = {}
    for sheet in sheets:
        report.read(sheet)
        rows[sheet.label] = list(sheet.rows)
        sheet.close()
    report.rows = sum(len(r) for r in rows.values())
    if not rows[None]:
        report.file_problem = InvalidInput("file.header_only")
        return report
    rejected: dict[tuple[str | None, int], Bad] = {}
    while True:
        with Session(engine) as s:
            run = _Pass(s, principal, today, main, set(rejected))
            run.projects(rows[None])
            if milestones is not None:
                run.milestones(milestones, rows[MILESTONES])
            for bad in run.bad:
                rejected[(bad[0].label, bad[1])] = bad
            if run.bad and skip_invalid:
                s.rollback()  # rows refused on the way may have left half a change
                continue
            report.created, report.updated, report.unchanged = (
                run.created,
                run.updated,
                run.unchanged,
            )
            report.counts["milestones_recorded"] = run.recorded
            for sheet, n, cells, errs in rejected.values():
                report.reject(sheet, n, cells, errs)

            def commit(s: Session = s) -> None:
                record(s, "import", "projects", path.name, report.audit_counts())
                s.commit()

            report.settle(commit, s.rollback)
            break
    return report.finish()


EXPORT_HEADERS = (
    "项目编号",
    "项目名称",
    "项目类型",
    "产业链",
    "环节",
    "签约日期",
    "意向投资（万元）",
    "合同投资（万元）",
    "到位资金（万元）",
    "投资方",
    "承接方",
    "落地地区",
    "落地园区",
    "对接会",
    "负责人",
    "备注",
)
EXPORT_WIDTHS = (14, 36, 12, 18, 20, 12, 16, 16, 16, 36, 36, 22, 30, 30, 30, 40)


def _wan(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else (amount / 10000).normalize()


def export_projects(engine: Engine, path: str | Path) -> int:
    """Projects and their milestones as an .xlsx the import reads back: amounts as numbers
    in 万元 (the headers say so), chains, segments, stages and regions by name."""
    from openpyxl import Workbook
    from sqlalchemy import select

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput("file.unsupported", suffix=path.suffix or path.name)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("项目 projects")
    ms = wb.create_sheet("节点")
    prepare_sheet(ws, list(EXPORT_WIDTHS))
    prepare_sheet(ms, [14, 12, 12, 40, 20])
    append_row(ws, list(EXPORT_HEADERS), bold=True)
    append_row(ms, ["项目编号", "节点", "日期", "证明材料", "记录人"], bold=True)
    money = {6: WAN_FORMAT, 7: WAN_FORMAT, 8: WAN_FORMAT}
    n = 0
    with Session(engine) as s:
        fair_names = {f.id: f.name for f in fairs.list_fairs(s)}
        park_names = {p.id: p.name for p in registry.list_parks(s)}
        chains = {c.key: c for c in chain_choices(s)}
        for p in s.execute(select(Project).order_by(Project.id)).scalars():
            party = {x.role: x for x in p.parties}
            ident = partial(_party_ident, s, party)
            chain = chains.get(p.chain or "")
            segment = chain.segment(p.segment) if chain and p.segment else None
            landing = regions.get(p.landing_region_code) if p.landing_region_code else None

            signed = next(
                (m.reached_on for m in p.milestones if m.kind == "signed" and not m.reverted),
                p.signed_on,
            )
            append_row(
                ws,
                [
                    p.code,
                    p.title,
                    t(f"ptype.{p.project_type}", "zh"),
                    chain.name("zh") if chain else p.chain,
                    segment.name("zh") if segment else p.segment,
                    signed,
                    _wan(p.intended_investment - sum((i.amount for i in p.increments), Decimal(0))),
                    _wan(p.contracted_investment),
                    _wan(p.invested_in_place),
                    ident("investor"),
                    ident("host"),
                    landing.full_name_zh if landing else p.landing_region_code,
                    park_names.get(p.landing_park_id),
                    fair_names.get(p.fair_id),
                    p.officer,
                    p.notes,
                ],
                money,
            )
            for m in p.milestones:
                if not m.reverted and not (m.kind == "signed" and m.reached_on == signed):
                    append_row(
                        ms,
                        [
                            p.code,
                            t(f"stage.{m.kind}", "zh"),
                            m.reached_on,
                            m.evidence,
                            m.recorded_by,
                        ],
                    )
            n += 1
    about = wb.create_sheet("说明 about")
    for line in (
        f"合作项目导出 projects export: {n}",
        "金额单位为万元 amounts in 10,000 yuan (万元)",
        "全部项目（命令行导出，管理员权限） all projects (command line, as an administrator)",
        f"{made_at('zh')} · {made_at('en')}",
    ):
        append_row(about, [line])
    wb.save(path)
    return n
