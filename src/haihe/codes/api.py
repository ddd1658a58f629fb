"""GET /api/v1/codes/...: USCC validation, region and industry look-ups."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from haihe.codes import industries, regions, uscc
from haihe.core.errors import NotFound

router = APIRouter(prefix="/api/v1/codes", tags=["codes"])


class USCCResult(BaseModel):
    code: str
    valid: bool
    rule: str | None
    error_zh: str | None
    error_en: str | None
    expected_check: str | None
    warnings: list[str]
    region_code: str | None = None
    region_name: str | None = None
    authority: str | None = None
    organisation_type: str | None = None


class RegionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    level: str
    name_zh: str
    name_en: str
    full_name_zh: str
    full_name_en: str
    parent: str | None
    abolished: int | None = Field(validation_alias=AliasChoices("abolished", "valid_to"))


class IndustryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    level: str
    name_zh: str
    name_en: str | None
    parent: str | None


@router.get("/uscc/{code}", response_model=USCCResult)
def check_uscc(code: str) -> USCCResult:
    c = uscc.validate(code)
    out = USCCResult(
        code=c.code,
        valid=c.ok,
        rule=c.rule,
        error_zh=c.problem.message("zh") if c.problem else None,
        error_en=c.problem.message("en") if c.problem else None,
        expected_check=c.expected_check,
        warnings=list(c.warnings),
    )
    if c.ok:
        parts = uscc.decode(c.code)
        out.region_code = parts.region_code
        out.region_name = parts.region_name_zh
        out.authority = parts.authority_zh
        out.organisation_type = parts.org_type_zh
    return out


@router.get("/regions", response_model=list[RegionPublic])
def find_regions(
    q: Annotated[str | None, Query(max_length=40)] = None,
    parent: Annotated[str | None, Query(max_length=6)] = None,
) -> list[RegionPublic]:
    """With q: the division it names; with parent: its current children; else the home provinces."""
    if q:
        r = regions.lookup(q)
        return [RegionPublic.model_validate(r)] if r else []
    if parent:
        if regions.get(parent) is None:
            raise NotFound("codes.region_unknown", value=parent)
        return [RegionPublic.model_validate(r) for r in regions.children(parent)]
    return [RegionPublic.model_validate(r) for r in regions.home_provinces()]


@router.get("/industries", response_model=list[IndustryPublic])
def find_industries(q: Annotated[str, Query(min_length=1, max_length=40)]) -> list[IndustryPublic]:
    return [IndustryPublic.model_validate(i) for i in industries.search(q)]
