"""API shapes of fairs, named by role."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict


class FairPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: int
    name: str
    name_en: str | None
    starts_on: date
    ends_on: date
    place: str | None
    region_code: str | None

    def title(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


class FairList(BaseModel):
    items: list[FairPublic]
    total: int
