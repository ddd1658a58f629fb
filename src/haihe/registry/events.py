"""What the registry tells other contexts when organisations change.

Bulk writes (imports) emit "organisations_updated" themselves, for the organisations
they add and those they change; edits through the ORM are caught here, after each
flush: any organisation added, or whose published facts (see queries.ORGANISATION_FACTS)
changed, is announced, in the same transaction, with the flush's connection and the
organisations' ids.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from haihe.core import events
from haihe.registry.models import Organisation
from haihe.registry.queries import ORGANISATION_FACTS

UPDATED = "organisations_updated"
# what the chains' classifier reads (queries.ClassificationFacts) besides the published facts
CLASSIFIED = ("description", "industries")


def _after_flush(session: Session, _context: object) -> None:
    changed = [obj.id for obj in session.new if isinstance(obj, Organisation)]
    changed += [
        obj.id
        for obj in session.dirty
        if isinstance(obj, Organisation)
        and any(
            inspect(obj).attrs[name].history.has_changes()
            for name in (*ORGANISATION_FACTS, *CLASSIFIED)
        )
    ]
    if changed:
        events.emit(UPDATED, session.connection(), changed)


def listen() -> None:
    """Install the hook once (haihe.models.load_all calls it)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
