"""Files kept with a project (served back as safe downloads: core.attachments)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from haihe.accounts import scopes
from haihe.core import attachments
from haihe.projects.models import ProjectAttachment
from haihe.projects.writing import editable, history

MAX_ATTACHMENT_BYTES = attachments.MAX_ATTACHMENT_BYTES


def do_add_attachment(
    session: Session,
    principal: scopes.Principal,
    project_id: int,
    filename: str,
    content_type: str,
    data: bytes,
) -> ProjectAttachment:
    """Keep a file with the project (at most 20 MB); recorded in its history."""
    project = editable(session, principal, project_id)
    name = attachments.base_name(filename).strip()
    attachments.check_file(name, data, "projects")
    att = ProjectAttachment(
        project_id=project.id,
        filename=name[:255],
        content_type=(content_type or "application/octet-stream")[:100],
        size=len(data),
        data=data,
        uploaded_by=principal.username,
        uploaded_by_user_id=principal.user_id,
    )
    session.add(att)
    session.flush()
    history(session, principal, project.id, "attachment", {"file": att.filename, "size": att.size})
    return att
