"""A project's lifecycle as its officers record it: a stage reached (or paying tax), a
step back to an earlier stage (with a reason), a cancellation. The rules are
projects.lifecycle's; the project row mirrors the state they derive."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.core.limits import clean_text
from haihe.projects import lifecycle
from haihe.projects.models import Project, ProjectMilestone
from haihe.projects.queries import state_of
from haihe.projects.writing import bump, check_version, editable, history, write


def new_milestone(
    principal: scopes.Principal, kind: str, on: date, evidence: str | None = None
) -> ProjectMilestone:
    return ProjectMilestone(
        kind=kind,
        reached_on=on,
        evidence=clean_text(evidence, "project.evidence", where="evidence") or None,
        recorded_by=principal.username,
        recorded_by_user_id=principal.user_id,
    )


def mirror(project: Project, state: lifecycle.State) -> None:
    """Copy the lifecycle's derived fields onto the project row (what figures read)."""
    project.stage = state.stage
    project.stage_on = state.stage_on
    project.signed_on = state.signed_on
    project.paying_tax_on = state.paying_tax_on
    project.cancelled_on = state.cancelled_on


def settle(
    session: Session,
    principal: scopes.Principal,
    project: Project,
    state: lifecycle.State,
    action: str,
    detail: dict[str, object],
) -> Project:
    """The common end of every lifecycle change: mirror, new version, history row."""
    mirror(project, state)
    bump(project)
    write(session, project)
    history(session, principal, project.id, action, detail)
    return project


def do_record_milestone(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    kind: str,
    on: date,
    *,
    evidence: str | None = None,
    version: int | None = None,
    today: date | None = None,
) -> Project:
    """Record a stage reached (or paying tax). Refused, changing nothing, when invalid."""
    project = editable(session, principal, project_id)
    check_version(project, version)
    state = lifecycle.advance(state_of(project), kind, on, today or date.today())
    project.milestones.append(new_milestone(principal, kind, on, evidence))
    return settle(
        session,
        principal,
        project,
        state,
        "milestone",
        {"kind": kind, "on": on, "evidence": evidence},
    )


def do_go_back_to_stage(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    stage: str,
    reason: str,
    *,
    version: int | None = None,
) -> Project:
    """Undo the milestones after `stage` (kept, marked reverted); needs a reason."""
    project = editable(session, principal, project_id)
    check_version(project, version)
    before = project.stage
    reason = clean_text(reason, "project.evidence", where="reason") or ""
    state = lifecycle.go_back(state_of(project), stage, reason)
    for row, m in zip(project.milestones, state.milestones, strict=True):
        row.reverted = m.reverted
    return settle(
        session,
        principal,
        project,
        state,
        "go_back",
        {"from": before, "to": stage, "reason": reason},
    )


def do_cancel_project(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    on: date,
    reason: str,
    *,
    version: int | None = None,
    today: date | None = None,
) -> Project:
    """Cancel the project on `on` for `reason`; it keeps its history."""
    project = editable(session, principal, project_id)
    check_version(project, version)
    reason = clean_text(reason, "project.evidence", where="reason") or ""
    state = lifecycle.cancel(state_of(project), on, reason, today or date.today())
    project.milestones.append(new_milestone(principal, lifecycle.CANCELLED, on, reason))
    return settle(session, principal, project, state, "cancel", {"on": on, "reason": reason})
