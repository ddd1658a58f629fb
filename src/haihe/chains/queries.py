"""The chains context's read side for pages, the API and other contexts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from haihe.chains import service
from haihe.core.errors import InvalidInput


@dataclass(frozen=True)
class SegmentChoice:
    id: str
    name_zh: str
    name_en: str
    stage: str
    depth: int  # 0 for a segment, 1 for its sub-segments, …

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@dataclass(frozen=True)
class ChainChoice:
    """A chain as a form offers it: key, names and its segments upstream → downstream."""

    key: str
    name_zh: str
    name_en: str
    segments: tuple[SegmentChoice, ...]

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh

    def segment(self, segment_id: str) -> SegmentChoice | None:
        return next((s for s in self.segments if s.id == segment_id), None)


def chain_choices(session: Session) -> list[ChainChoice]:
    """Every chain with its segments, for the options of forms and filters."""
    out = []
    for info in service.all_chains(session):
        d = info.definition
        out.append(
            ChainChoice(
                d.key,
                d.name_zh,
                d.name_en,
                tuple(
                    SegmentChoice(s.id, s.name_zh, s.name_en, s.stage, len(d.ancestors(s.id)))
                    for s in d.ordered()
                ),
            )
        )
    return out


def check_reference(
    session: Session, chain_key: str | None, segment_id: str | None = None, field: str = "chain"
) -> tuple[str | None, str | None]:
    """(chain, segment) when both name what exists; InvalidInput naming the unknown one.

    Empty values mean "none"; a segment needs its chain.
    """
    chain_key = (chain_key or "").strip() or None
    segment_id = (segment_id or "").strip() or None
    if chain_key is None:
        if segment_id is not None:
            raise InvalidInput("chains.segment_without_chain", field="segment", segment=segment_id)
        return None, None
    chain = next((c for c in chain_choices(session) if c.key == chain_key), None)
    if chain is None:
        raise InvalidInput("chains.chain_unknown", field=field, chain=chain_key)
    if segment_id is not None and chain.segment(segment_id) is None:
        raise InvalidInput(
            "chains.segment_unknown", field="segment", chain=chain_key, segment=segment_id
        )
    return chain_key, segment_id
