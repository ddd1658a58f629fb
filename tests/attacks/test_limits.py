"""Issue 11, point 17: every text field bounded by core/limits.py, also accounts and fairs.

Replays of what the attacker could still do: a 10,000-character user name or display
name (a 64/100-character column, refused only by PostgreSQL), a display name reading
backwards (a right-to-left override), a token name cut silently, fairs named, placed and
described at any length. Each is now refused with a message naming the field, through
the service (API, forms and the command line all go through it) and the forms.
"""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from haihe.accounts import service as accounts
from haihe.accounts.models import ApiToken, User
from haihe.accounts.schemas import UserCreate
from haihe.accounts.scopes import Principal, command_line
from haihe.core.errors import InvalidInput
from haihe.fairs import service as fairs
from haihe.fairs.models import Fair
from haihe.fairs.schemas import FairCreate, ParticipantDetails
from haihe.web.app import create_app
from tests.conftest import make_admin, signed_client

OPERATOR = command_line("test")


def _user(**over) -> UserCreate:  # noqa: ANN003
    fields = {"username": "limits-user", "password": "long-enough-pw", "role": "admin"}
    return UserCreate(**{**fields, **over})


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"username": "a" * 65}, "username", "用户名"),
        ({"display_name": "显" * 101}, "display_name", "显示名称"),
        ({"display_name": "\u202eevil"}, "display_name", "显示名称"),
    ],
)
def test_account_names_are_bounded_and_cleaned(engine, over, field, words):
    with Session(engine) as s:
        with pytest.raises(InvalidInput) as caught:
            accounts.do_create_user(s, OPERATOR, _user(**over))
        assert caught.value.params["field"] == field
        assert words in caught.value.message("zh")
        s.rollback()
        assert s.scalar(select(User.id)) is None


def test_invisible_characters_leave_account_names(engine):
    with Session(engine) as s:
        made = accounts.do_create_user(
            s, OPERATOR, _user(username="zero\u200bwidth", display_name="王\u00ad小\u200d明")
        )
        assert made.username == "zerowidth"
        assert made.display_name == "王小明"


def test_a_long_token_name_is_refused_not_cut(engine):
    with Session(engine) as s:
        user = accounts.do_create_user(s, OPERATOR, _user())
        me = Principal(user_id=user.id, username=user.username, role=user.role)
        with pytest.raises(InvalidInput) as caught:
            accounts.do_create_api_token(s, me, "令" * 101)
        assert "令牌名称" in caught.value.message("zh")
        assert s.scalar(select(ApiToken.id)) is None


def test_the_users_form_names_the_field_that_is_too_long(engine):
    make_admin(engine)
    client = signed_client(create_app(engine), "admin")
    r = client.post(
        "/admin/users",
        data={
            "username": "form-user",
            "password": "long-enough-pw",
            "role": "admin",
            "display_name": "长" * 5000,
        },
    )
    assert r.status_code == 400
    assert "显示名称" in r.text and "5000" in r.text
    with Session(engine) as s:
        assert s.scalar(select(User.id).where(User.username == "form-user")) is None


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"name": "会" * 201}, "name", "对接会名称"),
        ({"name": "对接会\u202e"}, "name", "对接会名称"),
        ({"name_en": "F" * 201}, "name_en", "对接会英文名称"),
        ({"place": "地" * 201}, "place", "举办地点"),
        ({"description": "简" * 10_001}, "description", "对接会简介"),
    ],
)
def test_fair_fields_are_bounded(engine, over, field, words):
    fields = {"name": "限长测试对接会", "starts_on": date(2025, 5, 1), **over}
    with Session(engine) as s:
        with pytest.raises(InvalidInput) as caught:
            fairs.do_create_fair(s, OPERATOR, **fields)
        assert caught.value.params["field"] == field
        assert words in caught.value.message("zh")
        s.rollback()
        assert s.scalar(select(Fair.id)) is None
    with pytest.raises((ValidationError, InvalidInput)):
        FairCreate(**fields)


def test_fair_names_lose_invisible_characters(engine):
    with Session(engine) as s:
        fair = fairs.do_create_fair(
            s, OPERATOR, name="京津\u200b对接会", starts_on=date(2025, 5, 1), place="天津\u00ad"
        )
        assert fair.name == "京津对接会" and fair.place == "天津"
        with pytest.raises(InvalidInput):  # the same fair again, however it is spelled
            fairs.do_create_fair(s, OPERATOR, name="京津对\u2060接会", starts_on=date(2025, 5, 1))


def test_participant_and_note_fields_have_limits():
    with pytest.raises((ValidationError, InvalidInput)):
        ParticipantDetails(representatives="代" * 2001)
    assert ParticipantDetails(representatives="张三\u200b\n李四").representatives == "张三\n李四"
