"""Who may read and write what: the scope rules, as plain functions over plain data.

- administrator: everything;
- regional officer: reads everything cluster-wide; edits organisations and projects in
  their regions (districts below included);
- park manager: their park's organisations and the projects landing in it;
- fair organiser: their fairs (and reads the projects signed at them);
- enterprise user: their own organisation and the projects it is a party to.
Accounts: administrators manage users (the command line's operator is one, so the first
administrator of a deployment is made from the command line); every signed-in user manages
their own password and API tokens.
Anonymous visitors read the published cluster figures and public organisation profiles.
Private fields (the contracted and in-place investment of a project not yet signed) are
shown only to those who may edit the project or are a party to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from haihe.codes import regions


@dataclass(frozen=True)
class Principal:
    user_id: int | None = None
    username: str | None = None
    role: str | None = None  # None: anonymous
    region_codes: tuple[str, ...] = ()
    park_id: int | None = None
    organisation_id: int | None = None
    fair_id: int | None = None
    csrf_token: str | None = None
    via_token: bool = False
    token_id: int | None = None  # the API token the request came with (its lineage)
    ip: str | None = None
    must_change_password: bool = False  # after an administrator's reset: nothing else
    extra: dict = field(default_factory=dict)

    @property
    def authenticated(self) -> bool:
        return self.role is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def in_my_regions(self, code: str | None) -> bool:
        return bool(code) and any(regions.is_within(code, r) for r in self.region_codes)


ANONYMOUS = Principal()


def command_line(operator: str) -> Principal:
    """Who acts from the command line: the machine's operator, with an administrator's
    rights (whoever runs `haihe` can open the database file anyway)."""
    return Principal(role="admin", username=f"cli:{operator}")


def can_manage_users(p: Principal) -> bool:
    """Create users, reset their passwords, list them: administrators."""
    return p.is_admin


def can_manage_account(p: Principal, user_id: int | None) -> bool:
    """Change the password, make and revoke API tokens of account `user_id`: its owner."""
    return p.authenticated and p.user_id is not None and p.user_id == user_id


def can_edit_organisation(
    p: Principal, region_code: str | None, park_id: int | None, org_id: int
) -> bool:
    if p.is_admin:
        return True
    if p.role == "regional_officer":
        return p.in_my_regions(region_code)
    if p.role == "park_manager":
        return park_id is not None and park_id == p.park_id
    if p.role == "enterprise":
        return org_id == p.organisation_id
    return False


def can_read_organisation_history(
    p: Principal, region_code: str | None, park_id: int | None, org_id: int
) -> bool:
    """An organisation's change history: those who read the whole cluster (administrators,
    regional officers) and whoever may edit the organisation."""
    return p.role == "regional_officer" or can_edit_organisation(p, region_code, park_id, org_id)


def can_create_organisation(p: Principal, region_code: str | None, park_id: int | None) -> bool:
    """Add an organisation (one or many at once): administrators anywhere, regional officers
    in their regions, park managers in their park; enterprise users add none."""
    if p.is_admin:
        return True
    if p.role == "regional_officer":
        return p.in_my_regions(region_code)
    if p.role == "park_manager":
        return park_id is not None and park_id == p.park_id
    return False


def can_claim_organisation(p: Principal, org_id: int) -> bool:
    """Ask to manage an organisation's profile: enterprise users, for one not theirs yet."""
    return p.role == "enterprise" and p.user_id is not None and p.organisation_id != org_id


def can_decide_claim(p: Principal, region_code: str | None, park_id: int | None) -> bool:
    """Approve or reject a claim on an organisation: whoever may add it (administrators,
    officers of its region, its park's manager) — never an enterprise user."""
    return can_create_organisation(p, region_code, park_id)


def can_create_park(p: Principal, region_code: str | None) -> bool:
    """Parks are shared reference data: administrators, and officers of the park's region."""
    if p.is_admin:
        return True
    return p.role == "regional_officer" and p.in_my_regions(region_code)


@dataclass(frozen=True)
class ProjectFacts:
    """What the rules need to know of a project."""

    landing_region_code: str | None
    landing_park_id: int | None
    fair_id: int | None
    party_ids: tuple[int, ...]
    signed: bool


def can_read_project(p: Principal, f: ProjectFacts) -> bool:
    if p.is_admin or p.role == "regional_officer":
        return True
    if p.role == "park_manager":
        return f.landing_park_id is not None and f.landing_park_id == p.park_id
    if p.role == "fair_organiser":
        return f.fair_id is not None and f.fair_id == p.fair_id
    if p.role == "enterprise":
        return p.organisation_id in f.party_ids
    return False


def can_edit_project(p: Principal, f: ProjectFacts) -> bool:
    if p.is_admin:
        return True
    if p.role == "regional_officer":
        return p.in_my_regions(f.landing_region_code)
    if p.role == "park_manager":
        return f.landing_park_id is not None and f.landing_park_id == p.park_id
    return False


def sees_private_investment(p: Principal, f: ProjectFacts) -> bool:
    """Contracted and in-place investment of a project under negotiation is private."""
    if f.signed:
        return can_read_project(p, f)
    return can_edit_project(p, f) or (p.role == "enterprise" and p.organisation_id in f.party_ids)


def can_import_organisations(p: Principal) -> bool:
    """Import organisation files at all: administrators, regional officers, park managers."""
    return p.is_admin or p.role in ("regional_officer", "park_manager")


def can_import_organisation_row(p: Principal, region_code: str | None, park_id: int | None) -> bool:
    """Write one row of an organisation import (as the row says, and for an organisation
    already registered, as it is now): administrators any; regional officers rows in their
    regions; park managers rows of their park — whoever may add such an organisation."""
    return can_create_organisation(p, region_code, park_id)


def can_import_projects(p: Principal) -> bool:
    """Import project files at all: whoever may edit some projects (each row is then the
    projects service's to check)."""
    return p.is_admin or p.role in ("regional_officer", "park_manager")


def can_declare_placements(p: Principal) -> bool:
    """Import declared placements at all: whoever may place some organisation (each row is
    then checked with can_place_organisation)."""
    return p.is_admin or p.role in ("regional_officer", "park_manager", "enterprise")


JOINT_GROUP = "shared"  # the chains the three provinces draw jointly


def is_province_officer(p: Principal) -> bool:
    """A regional officer of a whole province (110000, 120000, 130000), not a district's."""
    return p.role == "regional_officer" and any(c.endswith("0000") for c in p.region_codes)


def can_edit_chain(p: Principal, group: str | None = None, joint_editors: str = "province") -> bool:
    """Chain definitions are shared reference data: administrators and regional officers;
    the jointly drawn chains (group "shared") only administrators and, when
    `joint_editors` is "province" (settings.joint_chain_editors), province-level officers.
    Without a group: whether the principal may edit some chain (to show the edit links)."""
    if p.is_admin:
        return True
    if p.role != "regional_officer":
        return False
    if group == JOINT_GROUP:
        return joint_editors == "province" and is_province_officer(p)
    return True


def can_edit_chain_list(p: Principal, region_code: str | None) -> bool:
    """A chain's three lists for a region: administrators, officers of that region."""
    if p.is_admin:
        return True
    return p.role == "regional_officer" and p.in_my_regions(region_code)


def can_place_organisation(
    p: Principal, region_code: str | None, park_id: int | None, org_id: int
) -> bool:
    """Confirm, remove or add an organisation's placements: whoever may edit it.

    An enterprise user's word on its own organisation counts as declared, an officer's
    as an officer decision (the caller records which).
    """
    return can_edit_organisation(p, region_code, park_id, org_id)


def can_create_fair(p: Principal) -> bool:
    """A new fair: administrators and regional officers (organisers run the fairs they have)."""
    return p.is_admin or p.role == "regional_officer"


@dataclass(frozen=True)
class LeadFacts:
    """What the rules need to know of an investment lead: where it would land."""

    region_code: str | None
    park_id: int | None


def can_read_lead(p: Principal, f: LeadFacts) -> bool:
    """Investment leads are officers' work: administrators; regional officers those landing
    in their regions; park managers those landing in their park; nobody else (enterprises
    never see leads, about themselves or others)."""
    if p.is_admin:
        return True
    if p.role == "regional_officer":
        return p.in_my_regions(f.region_code)
    if p.role == "park_manager":
        return f.park_id is not None and f.park_id == p.park_id
    return False


def can_edit_lead(p: Principal, f: LeadFacts) -> bool:
    """Whoever may read a lead works it (start, follow, attach, convert)."""
    return can_read_lead(p, f)


def can_work_leads(p: Principal) -> bool:
    """Has a leads list at all (the pages, the import): administrators, officers, park
    managers."""
    return p.is_admin or p.role in ("regional_officer", "park_manager")


def can_organise_fair(p: Principal, fair_id: int) -> bool:
    """Run a fair (slots, tables, participants, requests, the schedule): administrators
    and the fair's organiser."""
    if p.is_admin:
        return True
    return p.role == "fair_organiser" and p.fair_id is not None and p.fair_id == fair_id


def can_read_fair_participation(
    p: Principal, fair_id: int, region_code: str | None, park_id: int | None, org_id: int
) -> bool:
    """That an organisation took part in a fair, with how many meetings it had there:
    whoever reads the organisation's history (administrators, regional officers, whoever
    may edit it: its park's manager, its own users) and the organiser of that fair."""
    return can_read_organisation_history(p, region_code, park_id, org_id) or can_organise_fair(
        p, fair_id
    )


def can_act_for_participant(p: Principal, fair_id: int, organisation_id: int) -> bool:
    """Request, accept or decline meetings as a participant: its organisation's users, and
    whoever organises the fair."""
    if can_organise_fair(p, fair_id):
        return True
    return p.role == "enterprise" and p.organisation_id == organisation_id


def can_manage_listings(
    p: Principal, region_code: str | None, park_id: int | None, org_id: int
) -> bool:
    """Publish, change, close an organisation's listings (what it offers and seeks), confirm
    their chain segments, express or answer interest for it: whoever may edit the
    organisation (its own enterprise users, officers of its region, its park's manager)."""
    return can_edit_organisation(p, region_code, park_id, org_id)


def can_read_listing(
    p: Principal, public: bool, region_code: str | None, park_id: int | None, org_id: int
) -> bool:
    """A public listing: anyone. A private one (matched, never shown to others): its owner
    and the officers in whose scope the owner is."""
    return public or can_manage_listings(p, region_code, park_id, org_id)


def can_read_match_feedback(p: Principal) -> bool:
    """The figures of users' marks on recommendations: administrators and officers."""
    return p.is_admin or p.role in ("regional_officer", "park_manager")
