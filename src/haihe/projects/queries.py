"""The projects' read side: what pages, the API, the command line and the chain pages read,
always within what the reader may see (accounts.scopes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, false, func, select
from sqlalchemy.orm import Session, defer

from haihe.accounts import scopes
from haihe.audit.wording import actor_label, actor_names, actor_short
from haihe.chains import queries as chains
from haihe.core.errors import NotFound
from haihe.projects import figures, lifecycle, wording
from haihe.projects.figures import FigureFilter
from haihe.projects.models import Project, ProjectAttachment, ProjectHistory, ProjectParty


def facts(project: Project) -> scopes.ProjectFacts:
    """What the scope rules need to know of a project."""
    return scopes.ProjectFacts(
        landing_region_code=project.landing_region_code,
        landing_park_id=project.landing_park_id,
        fair_id=project.fair_id,
        party_ids=tuple(x.organisation_id for x in project.parties if x.organisation_id),
        signed=project.signed_on is not None,
    )


def state_of(project: Project) -> lifecycle.State:
    """The project's lifecycle state, from its milestones."""
    return lifecycle.State(
        tuple(lifecycle.Milestone(m.kind, m.reached_on, m.reverted) for m in project.milestones)
    )


def read_scope(principal: scopes.Principal) -> ColumnElement[bool] | None:
    """SQL condition for the projects `principal` may read (None: all of them).

    The same rule as scopes.can_read_project, for lists and their totals."""
    if principal.is_admin or principal.role == "regional_officer":
        return None
    # An account missing its park, fair or organisation reads none (never "IS NULL").
    if principal.role == "park_manager" and principal.park_id is not None:
        return Project.landing_park_id == principal.park_id
    if principal.role == "fair_organiser" and principal.fair_id is not None:
        return Project.fair_id == principal.fair_id
    if principal.role == "enterprise" and principal.organisation_id is not None:
        return exists().where(
            ProjectParty.project_id == Project.id,
            ProjectParty.organisation_id == principal.organisation_id,
        )
    return false()


def get_project(session: Session, project_id: int) -> Project:
    """The project, whoever asks (the service checks scope itself)."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("projects.not_found", field="project_id", id=project_id)
    return project


def find_project(session: Session, code: str) -> Project | None:
    """The project of that code (for the command line and imports, which act as
    administrators)."""
    return session.execute(select(Project).where(Project.code == code)).scalar_one_or_none()


def readable_project(session: Session, principal: scopes.Principal, project_id: int) -> Project:
    """The project if `principal` may read it; NotFound otherwise (existence is not leaked)."""
    project = get_project(session, project_id)
    if not scopes.can_read_project(principal, facts(project)):
        raise NotFound("projects.not_found", field="project_id", id=project_id)
    return project


def sees_private(principal: scopes.Principal, project: Project) -> bool:
    """Whether the reader sees a not-yet-signed project's contracted and in-place investment."""
    return scopes.sees_private_investment(principal, facts(project))


# The fields a reader who may not see a project's private investment never gets, wherever
# they appear: the project itself (ProjectPublic), its history, the exports.
PRIVATE_FIELDS = ("contracted_investment", "invested_in_place")


def without_private(data: object) -> object:
    """`data` (a history row's detail, a row of an export) with every private field taken
    out, at any depth: the one rule every read path applies for such readers."""
    if isinstance(data, dict):
        return {k: without_private(v) for k, v in data.items() if k not in PRIVATE_FIELDS}
    if isinstance(data, list):
        return [without_private(v) for v in data]
    return data


@dataclass
class HistoryEntry:
    """A history row as one reader may see it: its detail without what they may not see,
    who acted by name and organisation, and the change as a sentence."""

    at: datetime
    by: str | None  # the username of who acted
    by_user_id: int | None
    action: str
    detail: dict
    who: str = ""  # display name and organisation, in the reader's language
    text: str = ""  # the change as a sentence, in the reader's language


def history(
    session: Session, project_id: int, *, private: bool = True, lang: str = "zh"
) -> list[HistoryEntry]:
    """The project's history, oldest first; without private fields unless `private`."""
    rows = list(
        session.execute(
            select(ProjectHistory)
            .where(ProjectHistory.project_id == project_id)
            .order_by(ProjectHistory.id)
        ).scalars()
    )
    names = actor_names(session, (r.by_user_id for r in rows))
    chain_names = wording.Names(session)
    out = []
    for r in rows:
        detail = json.loads(r.detail) if r.detail else {}
        if not private:
            detail = without_private(detail)
        short = actor_short(names, r.by_user_id, r.by, lang)
        out.append(
            HistoryEntry(
                at=r.at,
                by=r.by,
                by_user_id=r.by_user_id,
                action=r.action,
                detail=detail,
                who=actor_label(names, r.by_user_id, r.by, lang),
                text=wording.sentence(r.action, detail, short, lang, chain_names),
            )
        )
    return out


def list_attachments(session: Session, project_id: int) -> list[ProjectAttachment]:
    """Attachments of a project, without loading their contents."""
    return list(
        session.execute(
            select(ProjectAttachment)
            .options(defer(ProjectAttachment.data))
            .where(ProjectAttachment.project_id == project_id)
            .order_by(ProjectAttachment.id)
        ).scalars()
    )


def attachment(
    session: Session, principal: scopes.Principal, project_id: int, attachment_id: int
) -> ProjectAttachment:
    """An attachment, with its contents, of a project the reader may read."""
    readable_project(session, principal, project_id)
    att = session.get(ProjectAttachment, attachment_id)
    if att is None or att.project_id != project_id:
        raise NotFound("projects.attachment_not_found", field="attachment_id", id=attachment_id)
    return att


@dataclass
class ProjectView:
    """A project as its page and the API show it to one reader."""

    project: Project
    private: bool  # sees the contracted and in-place investment
    can_edit: bool
    allowed: list[str]  # milestones that may be recorded next
    back: list[str]  # stages it may go back to
    stalled_over: int | None  # days past the allowed time at its stage
    history: list[HistoryEntry]
    attachments: list[ProjectAttachment]
    chain: chains.ChainChoice | None
    segment: chains.SegmentChoice | None
    recorded_by: list[str] | None = None  # who recorded each milestone, by name


def project_view(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    *,
    today: date | None = None,
    thresholds: dict[str, int] | None = None,
    lang: str = "zh",
) -> ProjectView:
    p = readable_project(session, principal, project_id)
    f = facts(p)
    state = state_of(p)
    chain = next((c for c in chains.chain_choices(session) if c.key == p.chain), None)
    private = scopes.sees_private_investment(principal, f)
    return ProjectView(
        project=p,
        private=private,
        can_edit=scopes.can_edit_project(principal, f),
        allowed=lifecycle.next_steps(state),
        back=lifecycle.back_steps(state),
        stalled_over=lifecycle.stalled_days(
            state, today or date.today(), thresholds or figures.stall_thresholds()
        ),
        history=history(session, p.id, private=private, lang=lang),
        attachments=list_attachments(session, p.id),
        chain=chain,
        segment=chain.segment(p.segment) if chain and p.segment else None,
        recorded_by=_recorders(session, p, lang),
    )


def _recorders(session: Session, p: Project, lang: str) -> list[str]:
    names = actor_names(session, (m.recorded_by_user_id for m in p.milestones))
    return [
        actor_label(names, m.recorded_by_user_id, m.recorded_by, lang) if m.recorded_by else ""
        for m in p.milestones
    ]


def list_projects(
    session: Session,
    principal: scopes.Principal,
    f: FigureFilter,
    figure: str | None = None,
    *,
    page: int = 1,
    page_size: int = 50,
    today: date | None = None,
    thresholds: dict[str, int] | None = None,
) -> tuple[list[Project], int]:
    """The projects behind a figure (or all matching the filter) that the reader may read,
    and how many there are of them."""
    return figures.list_projects(
        session,
        f,
        figure,
        today=today,
        thresholds=thresholds or figures.stall_thresholds(),
        page=page,
        page_size=page_size,
        scope=read_scope(principal),
    )


@dataclass
class DashboardView:
    board: figures.Dashboard
    funnel: list[tuple[str, int]]
    stalled: list[Project]  # the longest stalled the reader may read
    stalled_total: int  # how many stalled projects the list is the head of
    # Whose stalled projects the list holds: "all" (readers of the whole cluster),
    # "mine" (a restricted reader: their own, counted alike), "none" (anonymous: no list,
    # and so no count beside it; the published figure stays on its card).
    stalled_scope: str = "all"


def dashboard(
    session: Session,
    principal: scopes.Principal,
    f: FigureFilter,
    *,
    today: date | None = None,
    thresholds: dict[str, int] | None = None,
) -> DashboardView:
    """Published figures for everyone; the stalled projects themselves only for signed-in
    readers, within their scope, with the count of that same list."""
    th = thresholds or figures.stall_thresholds()
    board = figures.dashboard(
        session, f, today=today, thresholds=th, private_scope=read_scope(principal)
    )
    funnel = figures.funnel(session, f, board.figures)
    if not principal.authenticated:
        return DashboardView(board, funnel, [], 0, "none")
    scope = read_scope(principal)
    stalled = figures.longest_stalled(session, f, 20, today=today, thresholds=th, scope=scope)
    if scope is None:
        return DashboardView(board, funnel, stalled, board.figures.stalled, "all")
    mine = figures.list_projects(
        session, f, "stalled", today=today, thresholds=th, page_size=1, scope=scope
    )[1]
    return DashboardView(board, funnel, stalled, mine, "mine")


def chain_projects(
    session: Session, principal: scopes.Principal, chain_key: str, limit: int = 50
) -> tuple[list[Project], int]:
    """The projects on a chain the reader may read (the latest signed first, at most
    `limit`) and how many of them there are; nothing for anonymous visitors."""
    if not principal.authenticated:
        return [], 0
    conds = [Project.chain == chain_key]
    scope = read_scope(principal)
    if scope is not None:
        conds.append(scope)
    total = session.execute(select(func.count(Project.id)).where(*conds)).scalar_one()
    items = list(
        session.execute(
            select(Project)
            .where(*conds)
            .order_by(Project.signed_on.desc().nulls_last(), Project.id.desc())
            .limit(limit)
        ).scalars()
    )
    return items, total


def partner_pairs(session: Session, org_ids: list[int] | None = None) -> list[tuple[int, int]]:
    """Pairs of organisations that are parties of one project (registered with
    core.partners: matching leaves existing partners out of its recommendations)."""
    p = ProjectParty
    q = select(p.project_id, p.organisation_id).where(p.organisation_id.is_not(None))
    if org_ids is not None:
        ids = sorted(set(org_ids))
        projects = set()
        for i in range(0, len(ids), 5000):
            projects |= set(
                session.scalars(
                    select(p.project_id).where(p.organisation_id.in_(ids[i : i + 5000]))
                )
            )
        if not projects:
            return []
        q = q.where(p.project_id.in_(sorted(projects)))
    by_project: dict[int, set[int]] = {}
    for project, org in session.execute(q):
        by_project.setdefault(project, set()).add(org)
    return [(a, b) for orgs in by_project.values() for a in orgs for b in orgs if a != b]


def organisation_projects(
    session: Session, principal: scopes.Principal, org_id: int, limit: int = 50
) -> tuple[list[tuple[Project, list[str]]], int]:
    """The projects an organisation is a party to that the reader may read (the latest
    signed first, at most `limit`), each with the organisation's roles in it, and how
    many such projects there are; nothing for anonymous visitors."""
    if not principal.authenticated:
        return [], 0
    conds = [
        exists().where(
            ProjectParty.project_id == Project.id, ProjectParty.organisation_id == org_id
        )
    ]
    scope = read_scope(principal)
    if scope is not None:
        conds.append(scope)
    total = session.execute(select(func.count(Project.id)).where(*conds)).scalar_one()
    items = session.execute(
        select(Project)
        .where(*conds)
        .order_by(Project.signed_on.desc().nulls_last(), Project.id.desc())
        .limit(limit)
    ).scalars()
    return [
        (p, list(dict.fromkeys(x.role for x in p.parties if x.organisation_id == org_id)))
        for p in items
    ], total
