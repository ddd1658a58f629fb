"""Unified Social Credit Code (统一社会信用代码, GB 32100-2015).

18 characters: registration authority (1), organisation type (1), region (6, GB/T 2260),
organisation code (9) and a check character computed mod 31 over the first 17.
Validation names the rule that failed; an unknown region part is only a warning,
because codes of abolished divisions stay valid for life.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from haihe.core.errors import InvalidInput
from haihe.core.limits import is_digits

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
_CHARSET = frozenset(ALPHABET)
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

AUTHORITIES: dict[str, tuple[str, str]] = {
    "1": ("机构编制", "institutional establishment"),
    "2": ("外交", "foreign affairs"),
    "3": ("司法行政", "judicial administration"),
    "4": ("文化", "culture"),
    "5": ("民政", "civil affairs"),
    "6": ("旅游", "tourism"),
    "7": ("宗教", "religious affairs"),
    "8": ("工会", "trade union"),
    "9": ("工商", "industry and commerce"),
    "A": ("中央军委改革和编制办公室", "Central Military Commission"),
    "N": ("农业", "agriculture"),
    "Y": ("其他", "other"),
}

ORG_TYPES: dict[str, dict[str, tuple[str, str]]] = {
    "1": {
        "1": ("机关", "government organ"),
        "2": ("事业单位", "public institution"),
        "3": ("中央编办直接管理机构编制的群众团体", "mass organisation"),
        "9": ("其他", "other"),
    },
    "5": {
        "1": ("社会团体", "social organisation"),
        "2": ("民办非企业单位", "private non-enterprise unit"),
        "3": ("基金会", "foundation"),
        "9": ("其他", "other"),
    },
    "9": {
        "1": ("企业", "enterprise"),
        "2": ("个体工商户", "individual business"),
        "3": ("农民专业合作社", "farmers' cooperative"),
    },
    "N": {
        "1": ("组级集体经济组织", "group collective"),
        "2": ("村级集体经济组织", "village collective"),
        "3": ("乡镇级集体经济组织", "township collective"),
        "9": ("其他", "other"),
    },
}


@dataclass(frozen=True)
class USCCCheck:
    """Outcome of validating one code: `ok`, the failed `rule` and a readable `error`."""

    code: str
    ok: bool
    rule: str | None = None  # length | charset | check
    error: str | None = None  # English; `problem` carries the key for either language
    problem: InvalidInput | None = None
    expected_check: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def check_character(first17: str) -> str:
    """The 18th character for the first 17 (which must use the USCC alphabet)."""
    total = sum(map(int.__mul__, map(_VALUE.__getitem__, first17), WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(code: str) -> str:
    """Strip spaces and full-width forms, upper-case: what users paste from web pages."""
    from haihe.codes.regions import HALF_WIDTH

    return code.translate(HALF_WIDTH).upper()


def _fail(code: str, rule: str, problem: InvalidInput, expected: str | None = None) -> USCCCheck:
    return USCCCheck(code, False, rule, str(problem), problem, expected)


def validate(raw: str) -> USCCCheck:
    """Check length, character set and check character, in that order."""
    code = normalise(raw)
    if len(code) != 18:
        return _fail(code, "length", InvalidInput("uscc.length", n=len(code)))
    bad = [c for c in code if c not in _VALUE] if not _CHARSET.issuperset(code) else None
    if bad:
        return _fail(code, "charset", InvalidInput("uscc.charset", char=bad[0]))
    expected = check_character(code[:17])
    if code[17] != expected:
        return _fail(
            code, "check", InvalidInput("uscc.check", got=code[17], expected=expected), expected
        )
    warnings = []
    from haihe.codes import regions

    if not is_digits(code[2:8]) or regions.get(code[2:8]) is None:
        warnings.append(f"region part {code[2:8]} is not a known division code")
    if code[0] not in AUTHORITIES:
        warnings.append(f"registration authority {code[0]!r} is not a known one")
    return USCCCheck(code, True, warnings=tuple(warnings))


def is_valid(raw: str) -> bool:
    return validate(raw).ok


@dataclass(frozen=True)
class USCCParts:
    authority: str
    authority_zh: str | None
    authority_en: str | None
    org_type: str
    org_type_zh: str | None
    org_type_en: str | None
    region_code: str
    region_name_zh: str | None
    organisation_code: str
    check: str


def decode(raw: str) -> USCCParts:
    """Split a valid code into its parts with their meanings (None where unknown)."""
    code = normalise(raw)
    auth = AUTHORITIES.get(code[0])
    typ = ORG_TYPES.get(code[0], {}).get(code[1])
    from haihe.codes import regions

    region = regions.get(code[2:8])
    return USCCParts(
        authority=code[0],
        authority_zh=auth[0] if auth else None,
        authority_en=auth[1] if auth else None,
        org_type=code[1],
        org_type_zh=typ[0] if typ else None,
        org_type_en=typ[1] if typ else None,
        region_code=code[2:8],
        region_name_zh=region.full_name_zh if region else None,
        organisation_code=code[8:17],
        check=code[17],
    )


def make(prefix17: str) -> str:
    """A valid code from its first 17 characters (used by the demo generator)."""
    return prefix17 + check_character(prefix17)
