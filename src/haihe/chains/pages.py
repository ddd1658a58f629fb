"""Chain pages: the list, a chain's map and diagnosis (one region or two side by side),
a segment's organisations with their evidence, the three lists, editing and versions,
and the chain report as XLSX. Templates in web/templates/chains/.

A chain page also shows the panels the contexts above chains register (chains.panels),
e.g. the projects on the chain.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.chains import definitions, diagnosis, panels, queries, report, service
from haihe.chains.definitions import DefinitionError
from haihe.chains.panorama import home_provinces
from haihe.codes import regions
from haihe.core.errors import InvalidInput, NotAllowed
from haihe.core.i18n import t
from haihe.core.limits import is_digits
from haihe.registry import panels as organisation_panels
from haihe.web.auth import Reader, SignedIn, Writer, load_principal
from haihe.web.deps import Id, db
from haihe.web.templating import embedded_json, render

router = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(db, scope="function")]
ChainKey = Annotated[str, Path(max_length=48)]
RegionQ = Annotated[str | None, Query(max_length=6)]
STATUS_COLOURS = {"strong": "#2e7d32", "weak": "#f9a825", "missing": "#c62828"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def region_choices(lang: str) -> list[tuple[str, str]]:
    """Home provinces, then their prefectures / districts (for the region switch)."""
    out = []
    for p in home_provinces():
        out.append((p, regions.name(p, lang)))
        for c in regions.children(p):
            out.append((c.code, "— " + c.name(lang)))
            if c.level == "prefecture" and p != "130000":
                out.extend((g.code, "—— " + g.name(lang)) for g in regions.children(c.code))
    return out


def _region(code: str | None, default: str = "120000") -> str:
    return diagnosis.check_region(code or default)


def _graph(chain: definitions.ChainDefinition, diag: diagnosis.Diagnosis, lang: str) -> dict:
    """Nodes in columns upstream → midstream → downstream (col by stage, row by order),
    coloured by status; edges supplier → customer; the columns' headings in words (the
    browser places them: static/chain.js)."""
    col = {s: i for i, s in enumerate(definitions.STAGES)}
    rows: dict[str, int] = {}
    nodes = []
    by_id = diag.by_id()
    for s in chain.ordered():
        d = by_id[s.id]
        y = rows.get(s.stage, 0)
        rows[s.stage] = y + 1
        nodes.append(
            {
                "id": s.id,
                "name": s.name(lang),
                "col": col[s.stage],
                "row": y,
                "status": d.status,
                "count": d.figures.orgs,
                "breakpoint": d.breakpoint,
                "child": bool(s.parent),
                "colour": STATUS_COLOURS[d.status],
                "url": f"/chains/{chain.key}/segments/{s.id}?region={diag.region}",
            }
        )
    return {
        "nodes": nodes,
        "edges": [{"source": a, "target": b} for a, b in chain.edges],
        "stages": [t(f"chains.stage.{s}", lang) for s in definitions.STAGES],
        "labels": {k: t(f"chains.status.{k}", lang) for k in STATUS_COLOURS},
    }


@router.get("/chains", response_class=HTMLResponse)
def chain_list(request: Request, session: DB, principal: Reader):  # noqa: ANN201
    return render(
        request,
        "chains/list.html",
        chains=queries.all_chains(session),
        counts=queries.placement_counts(session),
        can_edit=scopes.can_edit_chain(principal),
    )


@router.get("/chains/{chain}", response_class=HTMLResponse)
def chain_page(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Reader,
    region: RegionQ = None,
    compare: RegionQ = None,
    thresholds: Annotated[str | None, Query(max_length=200)] = None,
    by: Annotated[str | None, Query(pattern="^(county|park)$")] = None,
):  # noqa: ANN201
    lang = request.state.lang
    info = queries.get_chain(session, chain)
    d = info.definition
    reg = _region(region)
    th = queries.thresholds(thresholds)
    views = [queries.diagnose(session, d, reg, th)]
    if compare:
        views.append(queries.diagnose(session, d, _region(compare), th))
    graphs = {
        "views": [dict(_graph(d, v, lang), region=regions.name(v.region, lang)) for v in views]
    }
    return render(
        request,
        "chains/chain.html",
        info=info,
        chain=d,
        views=views,
        region=reg,
        compare=compare or "",
        pairs=queries.complementarity(session, d, th, with_organisations=3),
        thresholds=th,
        graph_json=embedded_json(graphs),
        choices=region_choices(lang),
        colours=STATUS_COLOURS,
        pano=queries.chain_panorama(session, d, reg if by else None, by, lang),
        other_city=compare or other_city(reg),
        by=by or "",
        can_edit=service.may_edit_group(principal, d.group),
        panels=panels.panels_for(session, principal, d.key, lang),
    )


def other_city(region: str) -> str:
    """The city a chain is compared with by default: Beijing, or Tianjin for Beijing."""
    return "120000" if regions.is_within(region, "110000") else "110000"


@router.get("/chains/{chain}/cities", response_class=HTMLResponse)
def cities_page(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Reader,
    region: RegionQ = None,
    compare: RegionQ = None,
):  # noqa: ANN201
    """Two cities side by side on a chain, segment by segment: each city's status, counts
    and key enterprises, and where research in one meets manufacturing in the other."""
    d = queries.chain_definition(session, chain)
    a = _region(region, "110000")
    b = _region(compare or other_city(a))
    return render(
        request,
        "chains/cities.html",
        chain=d,
        region=a,
        compare=b,
        view=queries.two_cities(session, d, a, b),
        choices=region_choices(request.state.lang),
    )


@router.get("/chains/{chain}/segments/{segment}", response_class=HTMLResponse)
def segment_page(
    chain: ChainKey,
    segment: Annotated[str, Path(max_length=48)],
    request: Request,
    session: DB,
    principal: Reader,
    region: RegionQ = None,
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
):  # noqa: ANN201
    d = queries.chain_definition(session, chain)
    seg = queries.get_segment(d, segment)
    reg = _region(region)
    diag = queries.diagnose(session, d, reg).by_id()[segment]
    size = 50
    orgs = queries.segment_organisations(
        session, d, segment, region=reg, page=page, page_size=size + 1
    )
    return render(
        request,
        "chains/segment.html",
        chain=d,
        seg=seg,
        region=reg,
        diag=diag,
        orgs=orgs[:size],
        more=len(orgs) > size,
        key=queries.key_enterprises(session, d, segment, reg) if page == 1 else [],
        largest=queries.LARGEST,
        page=page,
        suppliers=[d.segment(x) for x in d.suppliers(segment)],
        customers=[d.segment(x) for x in d.customers(segment)],
        choices=region_choices(request.state.lang),
    )


def _lists_page(
    request: Request,
    session: Session,
    chain: str,
    region: str | None,
    problem: str | None = None,
    status: int = 200,
):  # noqa: ANN202
    principal = load_principal(request)
    d = queries.chain_definition(session, chain)
    reg = _region(region)
    diag, got = queries.chain_lists(session, d, reg)
    return render(
        request,
        "chains/lists.html",
        status_code=status,
        chain=d,
        region=reg,
        diag=diag,
        lists=got,
        choices=region_choices(request.state.lang),
        can_edit=scopes.can_edit_chain_list(principal, reg),
        problem=problem,
    )


@router.get("/chains/{chain}/lists", response_class=HTMLResponse)
def lists_page(
    chain: ChainKey, request: Request, session: DB, principal: Reader, region: RegionQ = None
):  # noqa: ANN201
    return _lists_page(request, session, chain, region)


def _organisation_id(text: str | None) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not is_digits(text):
        raise InvalidInput("chains.not_an_organisation_id", field="organisation_id", value=text)
    return int(text)


@router.post("/chains/{chain}/lists", response_class=HTMLResponse)
def lists_add(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Writer,
    list_kind: Annotated[str, Form(max_length=16)],
    region: Annotated[str, Form(max_length=6)],
    segment_id: Annotated[str | None, Form(max_length=48)] = None,
    organisation_id: Annotated[str | None, Form(max_length=12)] = None,
    technology: Annotated[str | None, Form(max_length=200)] = None,
    note: Annotated[str | None, Form(max_length=500)] = None,
    set_aside: Annotated[str | None, Form(max_length=4)] = None,
):  # noqa: ANN201
    write = service.do_set_aside_list_entry if set_aside else service.do_add_list_entry
    try:
        write(
            session,
            principal,
            chain,
            list_kind=list_kind,
            region=region,
            segment_id=segment_id or None,
            organisation_id=_organisation_id(organisation_id),
            technology=technology,
            note=note,
        )
    except InvalidInput as exc:  # the form again, with the reason
        session.rollback()
        return _lists_page(request, session, chain, region, exc.message(request.state.lang), 400)
    return RedirectResponse(f"/chains/{chain}/lists?region={region}", status_code=303)


@router.post("/chains/{chain}/lists/{entry_id}/withdraw", response_class=HTMLResponse)
def lists_withdraw(chain: ChainKey, entry_id: Id, request: Request, session: DB, principal: Writer):  # noqa: ANN201
    region = service.do_withdraw_list_entry(session, principal, entry_id)
    return RedirectResponse(f"/chains/{chain}/lists?region={region}", status_code=303)


@router.get("/chains/{chain}/report.xlsx")
def chain_report(
    chain: ChainKey, request: Request, session: DB, principal: Reader, region: RegionQ = None
):  # noqa: ANN201
    d = queries.chain_definition(session, chain)
    reg = _region(region)
    content = report.chain_report(session, d, reg, request.state.lang)
    name = f"haihe-chain-{d.key}-{reg}.xlsx"
    return Response(
        content,
        media_type=XLSX,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/chains/{chain}/definition.{fmt}")
def chain_definition(
    chain: ChainKey,
    fmt: Annotated[str, Path(pattern="^(yaml|xlsx)$")],
    session: DB,
    principal: Reader,
    version: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
):  # noqa: ANN201
    d = queries.chain_definition(session, chain, version)
    if fmt == "xlsx":
        return Response(
            definitions.to_xlsx(d),
            media_type=XLSX,
            headers={"Content-Disposition": f"attachment; filename={d.key}.xlsx"},
        )
    return Response(
        d.to_yaml(),
        media_type="application/yaml; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename={d.key}.yaml"},
    )


def _edit_page(
    request: Request,
    session: Session,
    chain: str,
    text: str | None = None,
    problems: list[str] | None = None,
    status: int = 200,
):  # noqa: ANN202
    info = queries.get_chain(session, chain)
    return render(
        request,
        "chains/edit.html",
        status_code=status,
        info=info,
        text=text if text is not None else info.definition.to_yaml(),
        problems=problems or [],
    )


def _may_edit(principal: scopes.Principal) -> None:
    """The edit and import forms are shown to those who may save them."""
    if not scopes.can_edit_chain(principal):
        raise NotAllowed("chains.edit_not_allowed")


@router.get("/chains/{chain}/edit", response_class=HTMLResponse)
def edit_page(chain: ChainKey, request: Request, session: DB, principal: SignedIn):  # noqa: ANN201
    _may_edit(principal)
    if not service.may_edit_group(principal, queries.get_chain(session, chain).definition.group):
        raise NotAllowed("chains.joint_edit_not_allowed")
    return _edit_page(request, session, chain)


@router.post("/chains/{chain}/edit", response_class=HTMLResponse)
def edit_save(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Writer,
    definition: Annotated[str, Form(max_length=500_000)],
    version: Annotated[int, Form(ge=1, le=1_000_000)],
    note: Annotated[str | None, Form(max_length=500)] = None,
):  # noqa: ANN201
    lang = request.state.lang
    try:
        service.do_edit_definition(
            session, principal, chain, definition, based_on=version, note=note
        )
    except DefinitionError as exc:  # the form again, with every problem
        session.rollback()
        return _edit_page(request, session, chain, definition, exc.details(lang), 400)
    except service.ChainVersionConflict as exc:
        session.rollback()
        return _edit_page(request, session, chain, definition, [exc.message(lang)], 409)
    return RedirectResponse(f"/chains/{chain}/versions", status_code=303)


@router.get("/chains/{chain}/versions", response_class=HTMLResponse)
def versions_page(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Reader,
    a: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    b: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
):  # noqa: ANN201
    info = queries.get_chain(session, chain)
    got = queries.compare_versions(session, chain, a, b)
    return render(
        request,
        "chains/versions.html",
        info=info,
        versions=got.versions,
        a=got.a,
        b=got.b,
        changes=got.changes,
        shipped_notes=service.SHIPPED_NOTES,
    )


def _import_page(request: Request, problems: list[str] | None = None, status: int = 200):  # noqa: ANN202
    return render(request, "chains/import.html", status_code=status, problems=problems or [])


@router.get("/chains-import", response_class=HTMLResponse)
def import_page(request: Request, principal: SignedIn):  # noqa: ANN201
    _may_edit(principal)
    return _import_page(request)


@router.post("/chains-import", response_class=HTMLResponse)
def import_upload(
    request: Request, session: DB, principal: Writer, file: Annotated[UploadFile, File()]
):  # noqa: ANN201
    content = file.file.read(service.MAX_FILE_BYTES + 1)
    try:
        info = service.do_import_definition(
            session, principal, file.filename or "chain.yaml", content
        )
    except InvalidInput as exc:  # the form again (a DefinitionError names every problem)
        session.rollback()
        return _import_page(request, exc.details(request.state.lang), 400)
    return RedirectResponse(f"/chains/{info.key}", status_code=303)


@router.post("/organisations/{org_id}/placements", response_class=HTMLResponse)
def placement_decision(
    org_id: Id,
    request: Request,
    session: DB,
    principal: Writer,
    decision: Annotated[str, Form(max_length=16)],
    chain: Annotated[str | None, Form(max_length=48)] = None,
    segment: Annotated[str | None, Form(max_length=48)] = None,
    target: Annotated[str | None, Form(max_length=97)] = None,
    role: Annotated[str | None, Form(max_length=16)] = None,
):  # noqa: ANN201
    if target:  # the add form's one select: "chain/segment"
        chain, _, segment = target.partition("/")
    if not chain or not segment:
        raise InvalidInput("chains.choose_segment", field="segment")
    service.do_decide_placement(session, principal, org_id, chain, segment, decision, role or None)
    return RedirectResponse(f"/organisations/{org_id}#placements", status_code=303)


@organisation_panels.register_park
def park_chains_panel(session: Session, principal, park, lang: str) -> organisation_panels.Panel:  # noqa: ANN001
    """A park's organisations on the chains, counted by chain and segment."""
    return organisation_panels.Panel(
        "chains/park_panel.html",
        {"park_chains": queries.park_chain_counts(session, park.id, lang), "park_id": park.id},
    )


@organisation_panels.register_list_column
def chains_column(session: Session, ids: list[int], lang: str) -> dict[int, str]:
    """The chains of each organisation on a page of the organisation list."""
    return {
        oid: "、".join(names) if lang == "zh" else ", ".join(names)
        for oid, names in queries.chains_of(session, ids, lang).items()
    }


@organisation_panels.register
def placements_panel(session: Session, principal, org, lang: str) -> organisation_panels.Panel:  # noqa: ANN001
    """The placements section of an organisation's page, with its confirm / remove / add
    forms for those who may place the organisation."""
    return organisation_panels.Panel(
        "chains/organisation_panel.html",
        {
            "placements": queries.placements_of(session, org.id, lang),
            "can_place": scopes.can_place_organisation(
                principal, org.region_code, org.park_id, org.id
            ),
            "chains": queries.all_chains(session),
        },
    )
