"""The projects' writes. Each state change is one do_<verb>_<noun>(session, principal, ...)
that checks the principal's scope (accounts.scopes), validates, writes in the caller's
transaction (audited by audit.recorder) and appends a history row naming the principal.
Refused changes raise a HaiheError and change nothing.

This module is the projects' one door for writes; the writes live by what they change:
records.py (create, edit, capital increase), milestones.py (the lifecycle), attachments.py
(files), conversion.py (from a signed lead or a fair's agreement) and writing.py (what they
share: scope, version, history, amounts)."""

from __future__ import annotations

from haihe.projects.attachments import MAX_ATTACHMENT_BYTES, do_add_attachment
from haihe.projects.conversion import (
    ConversionInput,
    agreement_signed,
    do_convert_lead,
    do_create_project_from_meeting,
    listen,
)
from haihe.projects.milestones import do_cancel_project, do_go_back_to_stage, do_record_milestone
from haihe.projects.records import (
    PartyInput,
    ProjectInput,
    do_add_increment,
    do_create_project,
    do_update_project,
)
from haihe.projects.writing import VersionConflict

__all__ = [
    "ConversionInput",
    "MAX_ATTACHMENT_BYTES",
    "PartyInput",
    "ProjectInput",
    "VersionConflict",
    "agreement_signed",
    "do_add_attachment",
    "do_add_increment",
    "do_cancel_project",
    "do_convert_lead",
    "do_create_project",
    "do_create_project_from_meeting",
    "do_go_back_to_stage",
    "do_record_milestone",
    "do_update_project",
    "listen",
]
