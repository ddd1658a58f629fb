"""API shapes of the registry, named by role (…Public is what the API returns)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from haihe.codes import industries, regions
from haihe.registry.models import Organisation, Park


class RegionRef(BaseModel):
    code: str
    name_zh: str
    name_en: str


class IndustryRef(BaseModel):
    code: str
    name_zh: str


class ParkPublic(BaseModel):
    id: int
    name: str
    name_en: str | None
    region: RegionRef | None
    operator: str | None
    description: str | None
    organisation_count: int

    @classmethod
    def of(cls, park: Park, count: int) -> ParkPublic:
        return cls(
            id=park.id,
            name=park.name,
            name_en=park.name_en,
            region=region_ref(park.region_code),
            operator=park.operator,
            description=park.description,
            organisation_count=count,
        )


class ParkRef(BaseModel):
    id: int
    name: str
    name_en: str | None


class OrganisationPublic(BaseModel):
    id: int
    uscc: str | None
    name: str
    name_en: str | None
    name_normalised: str
    kind: str
    region: RegionRef | None
    park: ParkRef | None
    industries: list[IndustryRef]
    founded: date | None
    registered_capital: str | None = Field(
        description="Decimal string in whole units of capital_currency (yuan for CNY)"
    )
    capital_currency: str
    employees: int | None
    website: str | None
    address: str | None
    description: str | None
    is_demo: bool
    named_in_source: bool

    @classmethod
    def of(cls, o: Organisation) -> OrganisationPublic:
        inds = []
        for code in o.industry_codes:
            ind = industries.get(code)
            inds.append(IndustryRef(code=code, name_zh=ind.name_zh if ind else code))
        return cls(
            id=o.id,
            uscc=o.uscc,
            name=o.name,
            name_en=o.name_en,
            name_normalised=o.name_norm,
            kind=o.kind,
            region=region_ref(o.region_code),
            park=ParkRef(id=o.park.id, name=o.park.name, name_en=o.park.name_en)
            if o.park
            else None,
            industries=inds,
            founded=o.founded,
            registered_capital=f"{o.registered_capital:f}"
            if o.registered_capital is not None
            else None,
            capital_currency=o.capital_currency,
            employees=o.employees,
            website=o.website,
            address=o.address,
            description=o.description,
            is_demo=o.is_demo,
            named_in_source=o.named_in_source,
        )


class OrganisationList(BaseModel):
    items: list[OrganisationPublic]
    total: int
    page: int
    page_size: int


class ParkList(BaseModel):
    items: list[ParkPublic]
    total: int


def region_ref(code: str | None) -> RegionRef | None:
    r = regions.get(code) if code else None
    if r is None:
        return None
    return RegionRef(code=r.code, name_zh=r.full_name_zh, name_en=r.full_name_en)
