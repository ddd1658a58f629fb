"""Listings in and out of Excel: the import through the one kernel (core/importing.py), all
or nothing with the error report, and the export the import reads back.

A row names the organisation (USCC, else its registered name), whether it offers or
seeks, the kind (technology achievement, product, capacity, investment, cooperation
need; key or name in either language), the title, and optionally the abstract, field,
maturity (1–9, "TRL 6"), IP, keywords, amount (500万, 1.2亿元), capacity, preferred
regions and parks, and whether it is private. A row that repeats an open listing of the
same organisation, direction, kind and title is unchanged.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.audit.recorder import record
from haihe.codes import uscc
from haihe.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from haihe.core.i18n import t
from haihe.core.importing import Column, Columns, ImportReport, RowError, open_sheet
from haihe.core.tabular import write_xlsx
from haihe.matching import queries, service
from haihe.matching.models import DIRECTIONS, KINDS, Listing
from haihe.registry import queries as registry
from haihe.registry import values

ROW_FAILURES = (InvalidInput, NotAllowed, NotFound, Conflict)
COLUMNS = Columns(
    [
        Column("organisation", ("机构名称", "企业名称", "organisation", "owner"), required=True),
        Column("uscc", ("统一社会信用代码", "uscc", "credit code")),
        Column("direction", ("供需", "提供或寻求", "direction", "offer or seek"), required=True),
        Column("kind", ("类别", "类型", "kind"), required=True),
        Column("title", ("名称", "标题", "成果名称", "title"), required=True),
        Column("title_en", ("英文名称", "english title", "title en")),
        Column("abstract", ("简介", "摘要", "abstract", "description")),
        Column("field", ("技术领域", "领域", "field")),
        Column("maturity", ("技术成熟度", "成熟度", "maturity", "trl")),
        Column("ip", ("知识产权", "专利号", "ip", "patents")),
        Column("keywords", ("关键词", "keywords")),
        Column("amount", ("金额", "投资金额", "amount", "amount yuan")),
        Column("capacity", ("产能", "capacity")),
        Column("region_preference", ("希望合作地区", "preferred regions")),
        Column("park_preference", ("希望合作园区", "preferred parks")),
        Column("visibility", ("公开", "是否公开", "visibility", "public")),
    ],
    unused=("序号", "no", "编号", "id", "状态", "status", "产业链环节", "segments"),
)
EXPORT_HEADERS = [c.headers[0] for c in COLUMNS.columns] + ["状态", "产业链环节"]
PRIVATE_WORDS = {"否", "不公开", "私密", "private", "no", "false", "0", "n"}


def _names(prefix: str, keys: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for k in keys:
        for lang in ("zh", "en"):
            out[t(f"{prefix}.{k}", lang).lower()] = k
        out[k] = k
    return out


def _organisation(s: Session, name: object, code: object) -> int:
    if not values.is_missing(code):
        c = values.clean(code).upper()
        if not uscc.is_valid(c):
            raise InvalidInput("listings.uscc_invalid", field="uscc", value=c)
        org = registry.find_by_uscc(s, c)
        if org is None:
            raise InvalidInput("listings.organisation_unknown", field="uscc", value=c)
        return org.id
    n = values.clean(name)
    found = registry.find_by_name(s, n) if n else []
    if not found:
        raise InvalidInput("listings.organisation_unknown", field="organisation", value=n)
    if len(found) > 1:
        raise InvalidInput("listings.organisation_ambiguous", field="organisation", value=n)
    return found[0].id


def _text(value: object) -> str | None:
    return None if values.is_missing(value) else str(value)


class _Rows:
    def __init__(self, s: Session, principal: scopes.Principal) -> None:
        self.s, self.principal = s, principal
        self.directions = _names("listings.direction", DIRECTIONS)
        self.kinds = _names("listings.kind", KINDS)

    def one(self, get) -> str:  # noqa: ANN001
        s = self.s
        org_id = _organisation(s, get("organisation"), get("uscc"))
        d = self.directions.get(values.clean(get("direction")).lower())
        if d is None:
            raise InvalidInput(
                "listings.direction_unknown",
                field="direction",
                value=values.clean(get("direction")),
            )
        k = self.kinds.get(values.clean(get("kind")).lower())
        if k is None:
            raise InvalidInput(
                "listings.kind_unknown", field="kind", value=values.clean(get("kind"))
            )
        title = _text(get("title"))
        vis = values.clean(get("visibility")).lower()
        data = service.ListingInput(
            organisation_id=org_id,
            direction=d,
            kind=k,
            title=title or "",
            title_en=_text(get("title_en")),
            abstract=_text(get("abstract")),
            field=_text(get("field")),
            maturity=get("maturity"),
            ip=_text(get("ip")),
            keywords=_text(get("keywords")),
            amount=get("amount"),
            capacity=_text(get("capacity")),
            region_preference=_text(get("region_preference")),
            park_preference=_text(get("park_preference")),
            public=vis not in PRIVATE_WORDS,
        )
        org = registry.get_organisation(s, org_id)
        if not scopes.can_manage_listings(self.principal, org.region_code, org.park_id, org.id):
            # before "unchanged": that would tell another organisation's private titles
            raise NotAllowed("listings.not_allowed", organisation=org.name)
        clean_title = service.text(title, "title")
        same = s.execute(
            select(Listing.id).where(
                Listing.organisation_id == org_id,
                Listing.direction == d,
                Listing.kind == k,
                Listing.title == (clean_title or ""),
                Listing.status == "open",
            )
        ).first()
        if same:
            return "unchanged"
        service.do_create_listing(s, self.principal, data)
        return "created"


def do_import_listings(
    engine: Engine, principal: scopes.Principal, path: str | Path, *, skip_invalid: bool = False
) -> ImportReport:
    """Import a listings file as `principal`: all or nothing (or each row wholly in or out
    with `skip_invalid`); FILE.errors.xlsx names the rows to fix."""
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
    while True:
        with Session(engine) as s:
            rows = _Rows(s, principal)
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
                    col = {
                        "organisation_id": "organisation",
                        "amount_yuan": "amount",
                        "segments": "title",
                        "public": "visibility",
                    }.get(col, col)
                    header = sheet.columns.header(col)
                    value = get(col)
                    shown = "" if value is None else str(value)[:200]
                    rejected[n] = (cells, RowError(n, header, shown, exc))
                    fresh = True
                    continue
                created += outcome == "created"
                unchanged += outcome == "unchanged"
            if fresh and skip_invalid:
                s.rollback()
                continue
            report.created, report.unchanged = created, unchanged
            for n, (cells, error) in sorted(rejected.items()):
                report.reject(sheet, n, cells, [error])

            def commit(s: Session = s) -> None:
                record(s, "import", "listings", path.name, report.audit_counts())
                s.commit()

            report.settle(commit, s.rollback)
            break
    return report.finish()


def export_rows(
    session: Session, principal: scopes.Principal, f: queries.ListingFilter
) -> list[list]:
    out = []
    for x in queries.iter_listings(session, principal, f):
        org = registry.get_organisation(session, x.organisation_id)
        segs = queries.segments_of(session, x.id)
        out.append(
            [
                org.name,
                org.uscc,
                t(f"listings.direction.{x.direction}", "zh"),
                t(f"listings.kind.{x.kind}", "zh"),
                x.title,
                x.title_en,
                x.abstract,
                x.field,
                x.maturity,
                x.ip,
                x.keywords,
                x.amount_yuan,
                x.capacity,
                x.region_preference,
                x.park_preference,
                "是" if x.public else "否",
                t(f"listings.status.{x.status}", "zh"),
                "、".join(f"{s.chain}/{s.segment}" for s in segs),
            ]
        )
    return out


def export_workbook(
    session: Session, principal: scopes.Principal, f: queries.ListingFilter
) -> bytes:
    """An .xlsx of the listings the reader may see, every text cell written as text."""
    from io import BytesIO

    buf = BytesIO()
    write_xlsx(buf, {"挂牌信息 listings": (EXPORT_HEADERS, export_rows(session, principal, f))})  # type: ignore[arg-type]
    return buf.getvalue()
