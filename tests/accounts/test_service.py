"""Each write of accounts checks who asks: administrators manage users, everyone their own
password and tokens; refused writes change nothing. Password changes leave a trail."""

import pytest
from sqlalchemy.orm import Session

from haihe.accounts import queries, service
from haihe.accounts.schemas import UserCreate
from haihe.accounts.scopes import ANONYMOUS, Principal, command_line
from haihe.audit import queries as audit
from haihe.core.errors import InvalidInput, NotAllowed, NotFound
from haihe.models import load_all
from tests.conftest import DEMO_PASSWORD

OPERATOR = command_line("test")
OFFICER = UserCreate(
    username="tianjin", password=DEMO_PASSWORD, role="regional_officer", regions=["天津"]
)


@pytest.fixture
def people(engine):
    """An administrator and a regional officer, as principals of their accounts."""
    load_all()
    with Session(engine) as s:
        admin = service.do_create_user(
            s, OPERATOR, UserCreate(username="admin", password=DEMO_PASSWORD, role="admin")
        )
        officer = service.do_create_user(s, OPERATOR, OFFICER)
        s.commit()
        found = {
            u.username: service.principal_of(
                service.authenticate(s, u.username, DEMO_PASSWORD, None)
            )
            for u in (admin, officer)
        }
        s.commit()
    return found


def test_the_command_line_makes_the_first_administrator(engine):
    with Session(engine) as s:
        user = service.do_create_user(
            s, OPERATOR, UserCreate(username="root", password=DEMO_PASSWORD, role="admin")
        )
        s.commit()
        assert (user.username, user.role) == ("root", "admin")
        assert [u.username for u in queries.list_users(s, OPERATOR)] == ["root"]


NOT_ADMINS = {
    "visitor": ANONYMOUS,
    "officer": Principal(user_id=2, username="tianjin", role="regional_officer"),
    "enterprise": Principal(user_id=3, username="winute", role="enterprise", organisation_id=1),
}


@pytest.mark.parametrize("who", NOT_ADMINS)
def test_only_administrators_manage_users(engine, people, who):
    principal = NOT_ADMINS[who]
    new = UserCreate(username="newcomer", password=DEMO_PASSWORD, role="admin")
    with Session(engine) as s:
        with pytest.raises(NotAllowed):
            service.do_create_user(s, principal, new)
        with pytest.raises(NotAllowed):
            service.do_reset_password(s, principal, "admin", "a-new-password-1")
        with pytest.raises(NotAllowed):
            queries.list_users(s, principal)
        s.commit()
        users = {u.username: u for u in queries.list_users(s, people["admin"])}
    assert set(users) == {"admin", "tianjin"} and not users["admin"].must_change_password


def test_an_officer_cannot_make_themselves_an_administrator(engine, people):
    with Session(engine) as s, pytest.raises(NotAllowed):
        service.do_create_user(
            s,
            people["tianjin"],
            UserCreate(username="boss", password=DEMO_PASSWORD, role="admin"),
        )


def test_passwords_and_tokens_are_their_owners_own(engine, people):
    officer, admin = people["tianjin"], people["admin"]
    with Session(engine) as s:
        token = service.do_create_api_token(s, officer, "脚本")
        s.commit()
        [mine] = queries.list_tokens(s, officer)
        assert queries.list_tokens(s, admin) == [] and token.startswith(mine.prefix)
        # Nobody revokes another's token, an administrator neither: it is not found.
        with pytest.raises(NotFound):
            service.do_revoke_api_token(s, admin, mine.id)
        with pytest.raises(NotAllowed):
            service.do_revoke_api_token(s, OPERATOR, mine.id)
        # Without an account of one's own (visitors, the command line) there is none to change.
        for nobody in (ANONYMOUS, OPERATOR):
            with pytest.raises(NotAllowed):
                service.do_change_password(s, nobody, DEMO_PASSWORD, "a-new-password-1")
            with pytest.raises(NotAllowed):
                service.do_create_api_token(s, nobody, "x")
        s.rollback()
        assert queries.list_tokens(s, officer)[0].revoked_at is None
        service.do_revoke_api_token(s, officer, mine.id)
        s.commit()
        assert queries.list_tokens(s, officer)[0].revoked_at is not None
        with pytest.raises(InvalidInput) as refused:
            service.do_change_password(s, officer, "not-my-password", "a-new-password-1")
        assert refused.value.key == "auth.old_password_wrong"
        assert refused.value.field == "old_password"


def test_password_changes_and_resets_are_audited_without_secrets(engine, people):
    with Session(engine) as s:
        service.do_change_password(s, people["tianjin"], DEMO_PASSWORD, "a-new-password-1")
        service.do_reset_password(s, people["admin"], "tianjin", "temporary-password")
        s.commit()
        items, _ = audit.list_entries(s, object_type="user")
    actions = [e.action for e in items]
    assert "password_change" in actions and "password_reset" in actions
    assert all("$argon2" not in e.changes_text and "password_hash" not in e.changes for e in items)


def test_bad_input_names_the_field_in_both_languages(engine, people):
    admin = people["admin"]
    cases = {
        "users.username_invalid": UserCreate(username="x y", password=DEMO_PASSWORD, role="admin"),
        "users.role_unknown": UserCreate(username="ok", password=DEMO_PASSWORD, role="emperor"),
        "auth.password_short": UserCreate(username="ok", password="short", role="admin"),
        "users.username_taken": UserCreate(username="admin", password=DEMO_PASSWORD, role="admin"),
        "users.region_unknown": OFFICER.model_copy(update={"username": "ok", "regions": ["火星"]}),
        "users.officer_needs_region": OFFICER.model_copy(update={"username": "ok", "regions": []}),
        "users.park_needed": UserCreate(username="ok", password=DEMO_PASSWORD, role="park_manager"),
        "users.organisation_needed": UserCreate(
            username="ok", password=DEMO_PASSWORD, role="enterprise"
        ),
        "users.fair_needed": UserCreate(
            username="ok", password=DEMO_PASSWORD, role="fair_organiser"
        ),
    }
    with Session(engine) as s:
        for key, new in cases.items():
            with pytest.raises(InvalidInput) as refused:
                service.do_create_user(s, admin, new)
            assert refused.value.key == key and refused.value.field
            zh, en = refused.value.message("zh"), refused.value.message("en")
            assert zh != en and key not in zh and key not in en
        with pytest.raises(InvalidInput) as refused:
            service.do_reset_password(s, admin, "nobody", "a-new-password-1")
        assert "nobody" in refused.value.message("zh")
