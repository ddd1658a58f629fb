"""/api/v1/chains…: definitions, panorama, diagnosis, complementarity, lists, placements.

Chain maps are published cluster figures: anyone may read them (organisations appear
with their public profile only). Changing a definition needs an administrator or a
regional officer; a list, an officer of that region; a placement, whoever may edit the
organisation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.accounts.scopes import NotAllowed
from haihe.chains import diagnosis, lists, placements, service
from haihe.chains.panorama import organisations_on, panorama
from haihe.chains.schemas import (
    ChainDetail,
    ChainList,
    ChainSummary,
    DiagnosisOut,
    ListEntryIn,
    ListEntryOut,
    ListsOut,
    OrgList,
    OrgOut,
    PairOut,
    PanoramaOut,
    PlacementDecisionIn,
    PlacementList,
    PlacementOut,
    SegmentOut,
)
from haihe.core.errors import InvalidInput, NotFound
from haihe.registry import queries as registry
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
    items = [ChainSummary.of(c) for c in service.all_chains(session)]
    return ChainList(items=items, total=len(items))


@router.get("/chains/{chain}", response_model=ChainDetail)
def get_chain(chain: ChainKey, session: DB, principal: Reader) -> ChainDetail:
    return ChainDetail.detail(service.get_chain(session, chain))


@router.get("/chains/{chain}/segments", response_model=list[SegmentOut])
def get_segments(chain: ChainKey, session: DB, principal: Reader) -> list[SegmentOut]:
    d = service.get_chain(session, chain).definition
    return [SegmentOut.of(s, d) for s in d.ordered()]


@router.post("/chains", response_model=ChainSummary, status_code=201)
def import_chain(
    session: DB, principal: Writer, file: Annotated[UploadFile, File(description="YAML or XLSX")]
) -> ChainSummary:
    """A new chain, or a new version of one, from a chain file (checked whole)."""
    if not scopes.can_edit_chain(principal):
        raise NotAllowed("chain", "import")
    content = file.file.read(5_000_001)
    if len(content) > 5_000_000:
        raise InvalidInput("file", "is larger than 5 MB")
    info = service.import_file(
        session, file.filename or "chain.yaml", content, username=principal.username
    )
    return ChainSummary.of(info)


@router.get("/chains/{chain}/panorama", response_model=PanoramaOut)
def get_panorama(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Reader,
    region: OptRegion = None,
    by: Annotated[str | None, Query(pattern="^(county|park)$")] = None,
) -> PanoramaOut:
    d = service.get_chain(session, chain).definition
    if region:
        diagnosis.check_region(region)
    return PanoramaOut.of(panorama(session, d, region, by, _lang(request)), _lang(request))


@router.get("/chains/{chain}/diagnosis", response_model=DiagnosisOut)
def get_diagnosis(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Reader,
    region: Region,
    thresholds: ThresholdText = None,
) -> DiagnosisOut:
    """Each segment's status (strong / weak / missing) in the region, with its evidence."""
    d = service.get_chain(session, chain).definition
    th = diagnosis.Thresholds.parse(thresholds, diagnosis.Thresholds.configured())
    return DiagnosisOut.of(diagnosis.diagnose(session, d, region, th), _lang(request))


@router.get("/chains/{chain}/complementarity", response_model=list[PairOut])
def get_complementarity(
    chain: ChainKey,
    request: Request,
    session: DB,
    principal: Reader,
    thresholds: ThresholdText = None,
) -> list[PairOut]:
    """Segments where one city's research meets another city's manufacturing."""
    d = service.get_chain(session, chain).definition
    th = diagnosis.Thresholds.parse(thresholds, diagnosis.Thresholds.configured())
    return [PairOut.of(p, _lang(request)) for p in diagnosis.complementarity(session, d, th)]


@router.get("/chains/{chain}/lists", response_model=ListsOut)
def get_lists(
    chain: ChainKey, request: Request, session: DB, principal: Reader, region: Region
) -> ListsOut:
    """Bottleneck technologies, gap segments to attract (with candidates), key enterprises."""
    d = service.get_chain(session, chain).definition
    diag = diagnosis.diagnose(session, d, region)
    return ListsOut.of(d.key, region, lists.compute(session, d, diag), _lang(request))


@router.post("/chains/{chain}/lists", response_model=ListEntryOut, status_code=201)
def add_list_entry(
    chain: ChainKey, body: ListEntryIn, session: DB, principal: Writer
) -> ListEntryOut:
    d = service.get_chain(session, chain).definition
    e = lists.add_entry(
        session,
        principal,
        d,
        list_kind=body.list_kind,
        region=body.region,
        segment_id=body.segment_id,
        organisation_id=body.organisation_id,
        technology=body.technology,
        note=body.note,
        active=not body.set_aside,
    )
    return ListEntryOut(
        id=e.id,
        chain=e.chain_key,
        list_kind=e.list_kind,
        region=e.region_code,
        segment_id=e.segment_id,
        organisation_id=e.organisation_id,
        technology=e.technology,
        note=e.note,
        active=e.active,
    )


@router.delete("/chains/{chain}/lists/{entry_id}", status_code=204)
def withdraw_list_entry(chain: ChainKey, entry_id: Id, session: DB, principal: Writer) -> None:
    lists.withdraw_entry(session, principal, entry_id)


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
    d = service.get_chain(session, chain).definition
    if d.segment(segment) is None:
        raise NotFound("segment", f"{chain}/{segment}")
    if region:
        diagnosis.check_region(region)
    rows = organisations_on(
        session, d, [segment], within=region, per_segment=page_size, offset=(page - 1) * page_size
    )
    return OrgList(
        items=[OrgOut.of(o, _lang(request)) for o in rows], page=page, page_size=page_size
    )


@router.get("/organisations/{org_id}/placements", response_model=PlacementList)
def organisation_placements(
    org_id: Id, request: Request, session: DB, principal: Reader
) -> PlacementList:
    registry.get_organisation(session, org_id)
    return PlacementList(
        items=[
            PlacementOut.of(p) for p in placements.placements_of(session, org_id, _lang(request))
        ]
    )


@router.post("/organisations/{org_id}/placements", response_model=PlacementList)
def decide_placement(
    org_id: Id, body: PlacementDecisionIn, request: Request, session: DB, principal: Writer
) -> PlacementList:
    """confirm / remove / add / undo a placement; decisions survive re-classification."""
    placements.decide(
        session, principal, org_id, body.chain, body.segment, body.decision, body.role
    )
    return PlacementList(
        items=[
            PlacementOut.of(p) for p in placements.placements_of(session, org_id, _lang(request))
        ]
    )
