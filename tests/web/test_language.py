"""Plain language in both languages (issue 12.7).

UI text is what the templates write and the message catalogues hold; data (organisation
names, titles, notes) is everything else. So: (1) the templates write no words of their
own (every word goes through t()), (2) the Chinese catalogue has no English words beyond
names, codes and units, no field names or command-line flags, and the English one no
Chinese, and (3) every GET page of the demo, in both languages, as an administrator and
as an anonymous visitor, shows no message key, no snake_case field name, and none of the
other language's UI strings (text that is one of that language's catalogue values)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.core.i18n import catalogue
from haihe.web.app import create_app
from tests.conftest import signed_client

TEMPLATES = Path(__file__).parents[2] / "src" / "haihe" / "web" / "templates"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_.@/-])[A-Za-z][A-Za-z]+(?![A-Za-z0-9_]|\.[a-z])")
SNAKE = re.compile(r"(?<![A-Za-z0-9_/.=-])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")
# Words a Chinese page may carry: names, codes, formats and units.
ZH_ALLOWED = {
    "Haihe",
    "API",
    "JSON",
    "CSV",
    "XLSX",
    "Excel",
    "YAML",
    "USCC",
    "GB",
    "IP",
    "UTC",
    "PDF",
    "ID",
    "OpenAPI",
    "ECharts",
    "MB",
    "KB",
    "CAR",
    "Binhai",
    "Zhongguancun",
    "Winute",
    "Lingkr",
    "Tianjin",
    "Beijing",
    "Hebei",
    "TFI",
    "CDMO",
    "AI",
    "IT",
    "PostgreSQL",
    "SQLite",
    "English",
    "v",
    "UTF",
    "GBK",
    "CSRF",
    "implies",  # a chain definition file's key, named in messages about that file
}
# Chinese an English page may carry: the language switch, the units of Chinese figures,
# and the sheet names a chain workbook must use (产业链, 环节, 供需: the file's format).
EN_ALLOWED_CJK = {"中文", "万元", "亿元", "万", "亿", "元", "产业链", "环节", "供需", "美元"}
# values an import column takes as written (the SRDI category of a firm)
EN_ALLOWED_CJK |= {"专精特新", "小巨人", "否"}


class _Text(HTMLParser):
    """Visible text and the attributes people read, outside code and data-entry areas."""

    SKIP = {"script", "style", "textarea", "pre", "code"}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag in self.SKIP:
            self.depth += 1
        for name, value in attrs:
            if name in ("placeholder", "title", "aria-label") and value:
                self.parts.append(value)

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in self.SKIP and self.depth:
            self.depth -= 1

    def handle_data(self, data):  # noqa: ANN001
        if not self.depth and data.strip():
            self.parts.append(data.strip())


def visible(html: str) -> list[str]:
    p = _Text()
    p.feed(html)
    return p.parts


# 1. Templates write no words of their own ---------------------------------------------

# Names of formats and of the languages themselves (the switch shows each in its own).
TEMPLATE_ALLOWED = {"API", "JSON", "CSV", "v", "B", "IP", "YAML", "XLSX", "Haihe", "English"}


def _literal_text(source: str) -> list[str]:
    source = re.sub(r"{#.*?#}", " ", source, flags=re.S)
    source = re.sub(r"<(script|style)\b.*?</\1>", " ", source, flags=re.S)
    source = re.sub(r"{{.*?}}|{%.*?%}", " ", source, flags=re.S)
    source = re.sub(r"&[a-z]+;", " ", source)  # &nbsp; and the like
    source = re.sub(r'href="[^"]*"', " ", source)
    out = []
    for value in re.findall(r'(?:placeholder|title|aria-label)="([^"]*)"', source):
        out.append(value)
    source = re.sub(r'\b[a-z][a-z-]*="[^"]*"', " ", source)  # attributes a macro writes
    source = re.sub(r"<[^>]*>", " ", source)
    out += [x.strip() for x in source.split("\n") if x.strip()]
    return out


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_templates_write_every_word_through_the_catalogue(path):
    words = []
    for text in _literal_text(path.read_text("utf-8")):
        words += [w for w in LATIN_WORD.findall(text) if w not in TEMPLATE_ALLOWED]
        words += [w for w in re.findall(r"[\u3400-\u9fff]+", text) if w != "中文"]
    assert not words, f"{path.name}: words outside t(): {words[:20]}"


# 2. The catalogues ----------------------------------------------------------------------


def test_the_chinese_messages_speak_chinese():
    bad = {}
    for key, text in catalogue("zh").items():
        plain = re.sub(r"{[a-z_]+}", " ", text)
        words = [w for w in LATIN_WORD.findall(plain) if w not in ZH_ALLOWED]
        snake = SNAKE.findall(plain)
        flags = re.findall(r"--[a-z-]+", plain)
        if words or snake or flags or "(demo)" in plain:
            bad[key] = text
    assert not bad, bad


def test_the_english_messages_have_no_chinese():
    bad = {}
    for key, text in catalogue("en").items():
        plain = re.sub(r"{[a-z_]+}", " ", text)
        for word in sorted(EN_ALLOWED_CJK, key=len, reverse=True):  # 美元 before 元
            plain = plain.replace(word, " ")
        if CJK.search(plain) or SNAKE.findall(plain) or re.findall(r"--[a-z-]+", plain):
            bad[key] = text
    assert not bad, bad


# 3. Every page of the demo, in both languages --------------------------------------------


@pytest.fixture(scope="module")
def app(demo_engine):
    return create_app(demo_engine)


@pytest.fixture(scope="module")
def pages(app, demo_engine) -> list[str]:
    """Every GET page (no API, no file downloads), its path parameters from the demo."""
    from haihe.chains.queries import get_chain
    from haihe.fairs.models import Fair
    from haihe.matching.models import Interest, Listing
    from haihe.projects.models import Project
    from haihe.registry.models import Organisation, Park

    with Session(demo_engine) as s:
        chain = get_chain(s, "hydrogen").definition
        values = {
            "org_id": s.scalar(select(Organisation.id).where(Organisation.named_in_source)),
            "park_id": s.scalar(select(Park.id).order_by(Park.id)),
            "project_id": s.scalar(select(Project.id).order_by(Project.id)),
            "fair_id": s.scalar(select(Fair.id).order_by(Fair.id)),
            "chain": "hydrogen",
            "segment": chain.segments[0].id,
            "listing_id": s.scalar(select(Listing.id).order_by(Listing.id)),
            "interest_id": s.scalar(select(Interest.id).order_by(Interest.id)),
        }

    def routes(items):  # noqa: ANN001, ANN202 - included routers hold their own routes
        for r in items:
            inner = getattr(r, "original_router", None)
            yield from routes(inner.routes) if inner is not None else (r,)

    out = []
    for route in routes(app.routes):
        path = getattr(route, "path", "")
        if "GET" not in getattr(route, "methods", ()) or path.startswith(("/api", "/static")):
            continue
        if path.endswith((".xlsx", ".csv", ".{fmt}")) or "attachments" in path or "{token}" in path:
            continue
        if path in ("/healthz",):
            continue
        try:
            out.append(path.format(**values))
        except KeyError:
            continue
    assert len(out) > 15, out
    return out


def _leaks(parts: list[str], lang: str) -> list[str]:
    other = catalogue("en" if lang == "zh" else "zh")
    mine = catalogue(lang)
    keys = set(mine)
    found = []
    # The other language's UI strings (its values that are not also this language's):
    # English ones of two words or more, Chinese ones of two characters or more, so that
    # a username such as "park" is not taken for the English word.
    foreign = {
        v
        for v in other.values()
        if "{" not in v and ((" " in v.strip()) if lang == "zh" else len(CJK.findall(v)) >= 2)
    } - set(mine.values())
    for text in parts:
        for word in re.findall(r"[a-z][a-z_]*(?:\.[a-z_]+)+", text):
            if word in keys:
                found.append(f"key {word}")
        found += [f"field {w}" for w in SNAKE.findall(text)]
        if text in foreign:
            found.append(f"other language: {text}")
    return found


@pytest.mark.parametrize("username", [None, "admin"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_page_speaks_the_readers_language(app, pages, username, lang):
    client = signed_client(app, username)
    problems = {}
    for path in pages:
        r = client.get(path, params={"lang": lang}, follow_redirects=True)
        assert r.status_code in (200, 403, 404), (path, r.status_code)
        leaks = _leaks(visible(r.text), lang)
        if leaks:
            problems[path] = leaks[:8]
    assert not problems, problems
