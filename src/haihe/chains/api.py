"""/api/v1/chains…: definitions, panorama, diagnosis, complementarity, lists, placements.

Chain maps are published cluster figures: anyone may read them (organisations appear
with their public profile only). Changing a definition needs an administrator or a
regional officer; a list, an officer of that region; a placement, whoever may edit the
organisation (the service functions check).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from sqlalchemy.orm import Session

from haihe.chains import queries, service
from haihe.chains.schemas import (
    ChainDetail,
    ChainList,
    ChainPublic,
    DiagnosisPublic,
    ListEntryCreate,
    ListEntryPublic,
    ListsPublic,
    OrgList,
    OrgOnSegmentPublic,
    PairPublic,
    PanoramaPublic,
    PlacementDecisionCreate,
    PlacementList,
    PlacementPublic,
    SegmentPublic,
)
from haihe.web.auth import Reader, Writer
from haihe.web.deps import Id, db

router = APIRouter(prefix="/api/v1", tags=["chains"])
DB = Annotated[Session, Depends(db, scope="function")]
ChainKey = Annotated[str, Path(max_length=48, description="chain key, e.g. biomedicine")]
Region = Annotated[
    str, Query(min_length=6, max_length=6, description="region code, e.g. 120000 (Tianjin)")
]
OptRegion = Annotated[str | None, Query(min_length=6, max_length=6)]
ThresholdText = Annotated[
    str | None,
    Query(max_length=200, description="override thresholds, e.g. strong_at=1.2,min_orgs=2"),
]


def _lang(request: Request) -> str:
    return getattr(request.state, "lang", "zh")


@router.get("/chains", response_model=ChainList)
def list_chains(session: DB, principal: Reader) -> ChainList:
    items = [ChainPublic.model_validate(c) for c in queries.all_chains(session)]
    return ChainList(items=items, total=len(items))


@router.get("/chains/{chain}", response_model=ChainDetail)
def get_chain(chain: ChainKey, session: DB, principal: Reader) -> ChainDetail:
    return ChainDetail.model_validate(queries.get_chain(session, chain))


@router.get("/chains/{chain}/segments", response_model=list[SegmentPublic])
def get_segments(chain: ChainKey, session: DB, principal: Reader) -> list[SegmentPublic]:
    d = queries.chain_definition(session, chain)
    return [SegmentPublic.of(s, d) for s in d.ordered()]


@router.post("/chains", response_model=ChainPublic, status_code=201)
def import_chain(
    session: DB, principal: Writer, file: Annotated[UploadFile, File(description="YAML or XLSX")]
) -> ChainPublic:
    """A new chain, or a new version of one, from a chain file (checked whole)."""
    content = file.file.read(service.MAX_FILE_BYTES + 1)
    info = service.do_import_definition(session, principal, file.filename or "chain.yaml", content)
    return ChainPublic.model_validate(info)


@router.get("/chains/{chain}/panorama", response_model=PanoramaPublic)
def get_panorama(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Reader,
    region: OptRegion = None,
    by: Annotated[str | None, Query(pattern="^(county|park)$")] = None,
) -> PanoramaPublic:
    d = queries.chain_definition(session, chain)
    lang = _lang(request)
    return PanoramaPublic.of(queries.chain_panorama(session, d, region, by, lang), lang)


@router.get("/chains/{chain}/diagnosis", response_model=DiagnosisPublic)
def get_diagnosis(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Reader,
    region: Region,
    thresholds: ThresholdText = None,
) -> DiagnosisPublic:
    """Each segment's status (strong / weak / missing) in the region, with its evidence."""
    d = queries.chain_definition(session, chain)
    th = queries.thresholds(thresholds)
    return DiagnosisPublic.of(queries.diagnose(session, d, region, th), _lang(request))


@router.get("/chains/{chain}/complementarity", response_model=list[PairPublic])
def get_complementarity(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Reader,
    thresholds: ThresholdText = None,
) -> list[PairPublic]:
    """Segments where one city's research meets another city's manufacturing."""
    d = queries.chain_definition(session, chain)
    pairs = queries.complementarity(session, d, queries.thresholds(thresholds))
    return [PairPublic.of(p, _lang(request)) for p in pairs]


@router.get("/chains/{chain}/lists", response_model=ListsPublic)
def get_lists(
    chain: ChainKey, request: Request, session: DB, principal: Reader, region: Region
) -> ListsPublic:
    """Bottleneck technologies, gap segments to attract (with candidates), key enterprises."""
    d = queries.chain_definition(session, chain)
    _diag, got = queries.chain_lists(session, d, region)
    return ListsPublic.of(d.key, region, got, _lang(request))


@router.post("/chains/{chain}/lists", response_model=ListEntryPublic, status_code=201)
def add_list_entry(
    chain: ChainKey, body: ListEntryCreate, session: DB, principal: Writer
) -> ListEntryPublic:
    """An officer's entry, or (set_aside) a computed entry set aside."""
    write = service.do_set_aside_list_entry if body.set_aside else service.do_add_list_entry
    entry = write(
        session,
        principal,
        chain,
        list_kind=body.list_kind,
        region=body.region,
        segment_id=body.segment_id,
        organisation_id=body.organisation_id,
        technology=body.technology,
        note=body.note,
    )
    return ListEntryPublic.model_validate(entry)


@router.delete("/chains/{chain}/lists/{entry_id}", status_code=204)
def withdraw_list_entry(chain: ChainKey, entry_id: Id, session: DB, principal: Writer) -> None:
    service.do_withdraw_list_entry(session, principal, entry_id)


@router.get("/chains/{chain}/segments/{segment}/organisations", response_model=OrgList)
def segment_organisations(
    chain: ChainKey,
    segment: Annotated[str, Path(max_length=48)],
    request: Request,
    session: DB,
    principal: Reader,
    region: OptRegion = None,
    page: Annotated[int, Query(ge=1, le=10000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OrgList:
    """The organisations on a segment (sub-segments included), largest first."""
    d = queries.chain_definition(session, chain)
    rows = queries.segment_organisations(
        session, d, segment, region=region, page=page, page_size=page_size
    )
    lang = _lang(request)
    return OrgList(
        items=[OrgOnSegmentPublic.model_validate(o, context={"lang": lang}) for o in rows],
        page=page,
        page_size=page_size,
    )


def _placements(session: Session, org_id: int, lang: str) -> PlacementList:
    return PlacementList(
        items=[
            PlacementPublic.model_validate(p) for p in queries.placements_of(session, org_id, lang)
        ]
    )


@router.get("/organisations/{org_id}/placements", response_model=PlacementList)
def organisation_placements(
    org_id: Id, request: Request, session: DB, principal: Reader
) -> PlacementList:
    return _placements(session, org_id, _lang(request))


@router.post("/organisations/{org_id}/placements", response_model=PlacementList)
def decide_placement(
    org_id: Id, body: PlacementDecisionCreate, request: Request, session: DB, principal: Writer
) -> PlacementList:
    """confirm / remove / add / undo a placement; decisions survive re-classification."""
    service.do_decide_placement(
        session, principal, org_id, body.chain, body.segment, body.decision, body.role
    )
    return _placements(session, org_id, _lang(request))
