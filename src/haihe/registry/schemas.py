"""Shapes of the registry, named by role: …Create is what a write takes, …Public what the
API returns (built from the rows and summaries of registry/queries.py with
`model_validate`, the codes turned into their names on the way)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from haihe.codes import industries, regions


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RegionRef(_Public):
    code: str
    name_zh: str
    name_en: str


class IndustryRef(_Public):
    code: str
    name_zh: str


def region_ref(code: str | None) -> RegionRef | None:
    r = regions.get(code) if code else None
    if r is None:
        return None
    return RegionRef(code=r.code, name_zh=r.full_name_zh, name_en=r.full_name_en)


def _region(value: object) -> object:
    """A region code (a row's `region_code`) becomes its reference; a reference stays."""
    return region_ref(value) if isinstance(value, str) or value is None else value


# A row's `region_code` is read as the public `region`.
_REGION = AliasChoices("region", "region_code")


class ParkPublic(_Public):
    id: int
    name: str
    name_en: str | None
    region: RegionRef | None = Field(validation_alias=_REGION)
    operator: str | None
    description: str | None
    organisation_count: int

    @field_validator("region", mode="before")
    @classmethod
    def _region_from_code(cls, value: object) -> object:
        return _region(value)


class ParkRef(_Public):
    id: int
    name: str
    name_en: str | None


class OrganisationPublic(_Public):
    id: int
    uscc: str | None
    name: str
    name_en: str | None
    kind: str
    region: RegionRef | None = Field(validation_alias=_REGION)
    park: ParkRef | None
    industries: list[IndustryRef] = Field(
        validation_alias=AliasChoices("industry_codes", "industries")
    )
    founded: date | None
    registered_capital: str | None = Field(
        description="Decimal string in whole units of capital_currency (yuan for CNY)"
    )
    capital_currency: str
    employees: int | None
    website: str | None
    address: str | None
    description: str | None
    high_tech: bool
    specialised: str | None
    listed: bool
    stock_code: str | None
    above_scale: bool
    is_demo: bool
    named_in_source: bool

    @field_validator("region", mode="before")
    @classmethod
    def _region_from_code(cls, value: object) -> object:
        return _region(value)

    @field_validator("industries", mode="before")
    @classmethod
    def _industries(cls, value: object) -> object:
        """Industry codes (from a row) become references with their Chinese names."""
        if not isinstance(value, list | tuple):
            return value
        refs: list[object] = []
        for item in value:
            if isinstance(item, str):
                ind = industries.get(item)
                refs.append(IndustryRef(code=item, name_zh=ind.name_zh if ind else item))
            else:
                refs.append(item)
        return refs

    @field_validator("registered_capital", mode="before")
    @classmethod
    def _capital(cls, value: object) -> object:
        return f"{value:f}" if isinstance(value, Decimal) else value


class OrganisationList(_Public):
    items: list[OrganisationPublic]
    total: int
    page: int
    page_size: int


class ParkList(_Public):
    items: list[ParkPublic]
    total: int


# Longest text each field takes (characters): a longer value is refused, naming the field.
LIMITS = {
    "name": 300,
    "name_en": 300,
    "uscc": 40,
    "website": 300,
    "address": 500,
    "description": 20000,
    "stock_code": 16,
    "capital": 60,
    "message": 2000,
}


class OrganisationCreate(BaseModel):
    """What a person, an import or a generator gives to create an organisation; the
    registry's rules (registry/service.py) check it before anything is written, lengths
    (LIMITS) included, raising InvalidInput naming the field.

    `registered_capital` may be text as people write it (500万, 1.2亿, 5,000,000,
    50万美元): the import's parser reads it (registry/values.py)."""

    name: str
    kind: str = "enterprise"
    uscc: str | None = None
    name_en: str | None = None
    region_code: str | None = None
    park_id: int | None = None
    industry_codes: tuple[str, ...] = ()
    founded: date | None = None
    registered_capital: Decimal | str | None = Field(None, union_mode="left_to_right")
    capital_currency: str = "CNY"
    employees: int | None = None
    website: str | None = None
    address: str | None = None
    description: str | None = None
    high_tech: bool = False
    specialised: str | None = None
    listed: bool = False
    stock_code: str | None = None
    above_scale: bool = False
    source: str = "manual"
    is_demo: bool = False
    named_in_source: bool = False


class OrganisationNew(BaseModel):
    """POST /api/v1/organisations: what a person may give (the rest is the registry's)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=LIMITS["name"])
    kind: str = Field("enterprise", max_length=32)
    uscc: str | None = Field(None, max_length=LIMITS["uscc"])
    name_en: str | None = Field(None, max_length=LIMITS["name_en"])
    region: str | None = Field(None, max_length=40, description="region code or name")
    park_id: int | None = Field(None, ge=1, le=2_147_483_647)
    industry_codes: list[Annotated[str, Field(max_length=4)]] = Field([], max_length=20)
    founded: date | None = None
    registered_capital: str | None = Field(
        None, max_length=LIMITS["capital"], description="500万, 1.2亿, 5,000,000, 50万美元"
    )
    employees: int | None = Field(None, ge=0, le=10_000_000)
    website: str | None = Field(None, max_length=LIMITS["website"])
    address: str | None = Field(None, max_length=LIMITS["address"])
    description: str | None = Field(None, max_length=LIMITS["description"])
    high_tech: bool = False
    specialised: str | None = Field(None, max_length=16, description="srdi | little_giant")
    listed: bool = False
    stock_code: str | None = Field(None, max_length=LIMITS["stock_code"])
    above_scale: bool = False


class OrganisationUpdate(BaseModel):
    """PATCH /api/v1/organisations/{id}: only the fields given change. An enterprise user
    changes its own organisation's profile fields only (registry.service.OWNER_FIELDS)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, max_length=LIMITS["name"])
    kind: str | None = Field(None, max_length=32)
    uscc: str | None = Field(None, max_length=LIMITS["uscc"])
    name_en: str | None = Field(None, max_length=LIMITS["name_en"])
    region: str | None = Field(None, max_length=40)
    park_id: int | None = Field(None, ge=1, le=2_147_483_647)
    industry_codes: list[Annotated[str, Field(max_length=4)]] | None = Field(None, max_length=20)
    founded: date | None = None
    registered_capital: str | None = Field(None, max_length=LIMITS["capital"])
    employees: int | None = Field(None, ge=0, le=10_000_000)
    website: str | None = Field(None, max_length=LIMITS["website"])
    address: str | None = Field(None, max_length=LIMITS["address"])
    description: str | None = Field(None, max_length=LIMITS["description"])
    high_tech: bool | None = None
    specialised: str | None = Field(None, max_length=16)
    listed: bool | None = None
    stock_code: str | None = Field(None, max_length=LIMITS["stock_code"])
    above_scale: bool | None = None


class ClaimNew(BaseModel):
    message: str | None = Field(None, max_length=LIMITS["message"])


class ParkCreate(BaseModel):
    """A new park; `region` is a GB/T 2260 code or a name the region look-up knows."""

    name: str
    region: str
    name_en: str | None = None
    operator: str | None = None
    description: str | None = None
    is_demo: bool = False
