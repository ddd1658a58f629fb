"""Tables of the fairs context."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from haihe.core.db import Base, UTCDateTime


class Fair(Base):
    __tablename__ = "fairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    name_en: Mapped[str | None] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str | None] = mapped_column(String(200))
    region_code: Mapped[str | None] = mapped_column(String(6))
    description: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Participants may register themselves while it is open (the organiser opens it).
    registration_open: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Requests still unanswered at this time expire (they never block a slot).
    requests_expire_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FairSlot(Base):
    """A meeting time slot of a fair (its length and the breaks between follow from
    the times)."""

    __tablename__ = "fair_slots"
    __table_args__ = (UniqueConstraint("fair_id", "starts_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    ends_at: Mapped[datetime] = mapped_column(DateTime)


class FairTable(Base):
    """A meeting table of a fair, numbered 1, 2, ... with an optional label."""

    __tablename__ = "fair_tables"
    __table_args__ = (UniqueConstraint("fair_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str | None] = mapped_column(String(40))


class FairParticipant(Base):
    """An organisation taking part in a fair, with an optional meeting quota."""

    __tablename__ = "fair_participants"
    __table_args__ = (UniqueConstraint("fair_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    quota: Mapped[int | None] = mapped_column(Integer)
    representatives: Mapped[str | None] = mapped_column(Text)  # names, one a line
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FairAvailability(Base):
    """A slot a participant is available in."""

    __tablename__ = "fair_availability"

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("fair_participants.id", ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("fair_slots.id", ondelete="CASCADE"), primary_key=True
    )


class MeetingRequest(Base):
    """A participant asks another for a meeting; the other accepts or declines. A
    request both sides made is mutual (one row, `mutual` set)."""

    __tablename__ = "fair_meeting_requests"
    __table_args__ = (UniqueConstraint("fair_id", "requester_id", "requested_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("fair_participants.id", ondelete="CASCADE"), index=True
    )
    requested_id: Mapped[int] = mapped_column(
        ForeignKey("fair_participants.id", ondelete="CASCADE"), index=True
    )
    priority: Mapped[int] = mapped_column(Integer, default=2)  # 1 low, 2 normal, 3 high
    mutual: Mapped[bool] = mapped_column(Boolean, default=False)
    # pending, accepted, declined, vetoed (by the organiser), expired, cancelled
    status: Mapped[str] = mapped_column(String(16), default="pending")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FairMeeting(Base):
    """A scheduled meeting: an accepted request at a slot and a table. `uid` stays the
    same when the meeting moves (calendar files update rather than duplicate)."""

    __tablename__ = "fair_meetings"
    __table_args__ = (UniqueConstraint("slot_id", "table_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("fair_meeting_requests.id", ondelete="CASCADE"), unique=True
    )
    slot_id: Mapped[int] = mapped_column(ForeignKey("fair_slots.id"), index=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("fair_tables.id"))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    # Grows each time the meeting moves (RFC 5545 SEQUENCE: the calendar event updates).
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Each side says whether it took place (None: not said yet); a no-show is a False.
    held_by_requester: Mapped[bool | None] = mapped_column(Boolean)
    held_by_requested: Mapped[bool | None] = mapped_column(Boolean)
    # none, follow_up, negotiation, agreement (see service.OUTCOMES)
    outcome: Mapped[str | None] = mapped_column(String(24))
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Yuan the sides intend to invest, as said with an agreement signed.
    intended_investment: Mapped[Decimal | None] = mapped_column(Numeric(20, 2))


class FairSurvey(Base):
    """The outcome survey months after a fair (six by default): one per participant and
    meeting held, opened by the organiser; the participant answers what came of the
    meeting since (the same outcomes as on the day) and may add a note."""

    __tablename__ = "fair_surveys"
    __table_args__ = (UniqueConstraint("meeting_id", "participant_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fair_id: Mapped[int] = mapped_column(ForeignKey("fairs.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("fair_meetings.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("fair_participants.id", ondelete="CASCADE"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # none, follow_up, negotiation, agreement (service.OUTCOMES); None: not answered yet
    outcome: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
