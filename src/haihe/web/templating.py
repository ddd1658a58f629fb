"""Jinja2 environment shared by the pages: translation, formatting of codes and money."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates

from haihe.accounts import scopes
from haihe.codes import industries, regions
from haihe.core.i18n import t
from haihe.core.money import format_yuan

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _region_name(code: str | None, lang: str = "zh", full: bool = True) -> str:
    r = regions.get(code) if code else None
    if r is None:
        return code or ""
    if lang == "en":
        return r.full_name_en if full else r.name_en
    return r.full_name_zh if full else r.name_zh


def _industry_name(code: str, lang: str = "zh") -> str:
    ind = industries.get(code)
    return ind.name(lang) if ind else code


def _money(amount: Decimal | None, currency: str = "CNY", lang: str = "zh") -> str:
    return format_yuan(amount, currency, lang)


def _query(request: Request, **changes: object) -> str:
    params = dict(request.query_params)
    for k, v in changes.items():
        if v is None:
            params.pop(k, None)
        else:
            params[k] = str(v)
    return "?" + urlencode(params)


TEMPLATES.env.globals.update(
    t=t,
    region_name=_region_name,
    industry_name=_industry_name,
    money=_money,
    query=_query,
    home_provinces=regions.home_provinces,
    region_children=regions.children,
    scopes=scopes,  # links shown only to who may use them: scopes.can_...(me)
)


def embedded_json(data: object) -> str:
    """JSON to embed in a page's <script type="application/json">: `<`, `>` and `&` are
    written as \\u escapes, so no text inside it (a title, a chain's name) can close the
    script element or open another. The one way pages embed data."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render(request: Request, template: str, status_code: int = 200, **context: object):  # noqa: ANN201
    """A page in the visitor's language, knowing who they are (`me`) and their CSRF token."""
    from haihe.accounts.scopes import ANONYMOUS
    from haihe.core.errors import AuthRequired
    from haihe.web.auth import load_principal

    lang = getattr(request.state, "lang", "zh")
    try:
        principal = load_principal(request)
    except AuthRequired:
        principal = ANONYMOUS
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {"lang": lang, "me": principal, "csrf": principal.csrf_token or "", **context},
        status_code=status_code,
    )
