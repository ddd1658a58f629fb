"""Agendas of a fair: each participant's (text and an .ics calendar), each table's door
sheet and the whole fair's timetable, in Chinese and English.

Plain functions over the read side (fairs.queries). A meeting's calendar event keeps the
meeting's UID and carries its SEQUENCE, which grows each time the meeting moves, so that
a calendar importing the file again updates the event rather than adding a second one.
Slot times are the fair's local time (China Standard Time).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import icalendar
from sqlalchemy.orm import Session

from haihe.core.i18n import t
from haihe.fairs import queries
from haihe.fairs.schemas import FAIR_TZ, FairPublic, MeetingView, ParticipantView

LANGS = ("zh", "en")


def _name(zh: str, en: str | None, lang: str) -> str:
    return en if lang == "en" and en else zh


def _other(m: MeetingView, participant_id: int, lang: str) -> str:
    if m.requester_id == participant_id:
        return _name(m.requested_name, m.requested_name_en, lang)
    return _name(m.requester_name, m.requester_name_en, lang)


def _when(m: MeetingView) -> str:
    return f"{m.starts_at:%Y-%m-%d %H:%M}–{m.ends_at:%H:%M}"


def _table(m: MeetingView, lang: str) -> str:
    text = t("fairs.agenda_table", lang, table=m.table)
    return f"{text} ({m.table_label})" if m.table_label else text


def participant_agenda(
    session: Session, fair_id: int, participant_id: int, lang: str = "zh"
) -> str:
    """The participant's meetings in time order: when, which table, with whom."""
    fair = queries.get_fair(session, fair_id)
    me = queries.participant_of(session, fair_id, participant_id)
    meetings = queries.list_meetings(session, fair_id, participant_id)
    lines = [
        t(
            "fairs.agenda_participant_title",
            lang,
            participant=_name(me.name, me.name_en, lang),
            fair=fair.title(lang),
        ),
        "",
    ]
    if not meetings:
        lines.append(t("fairs.agenda_no_meetings", lang))
    for m in meetings:
        lines.append(f"{_when(m)}  {_table(m, lang)}  {_other(m, participant_id, lang)}")
    lines += ["", t("fairs.agenda_count", lang, n=len(meetings))]
    return "\n".join(lines) + "\n"


def table_sheets(session: Session, fair_id: int, lang: str = "zh") -> dict[int, str]:
    """Per table number, its door sheet: who meets at it in each slot."""
    fair = queries.get_fair(session, fair_id)
    by_table: dict[int, list[MeetingView]] = defaultdict(list)
    for m in queries.list_meetings(session, fair_id):
        by_table[m.table].append(m)
    out = {}
    for number in sorted(by_table):
        ms = by_table[number]
        head = t("fairs.agenda_table_title", lang, table=_table(ms[0], lang), fair=fair.title(lang))
        body = [
            f"{_when(m)}  {_name(m.requester_name, m.requester_name_en, lang)}"
            f" — {_name(m.requested_name, m.requested_name_en, lang)}"
            for m in ms
        ]
        out[number] = "\n".join([head, "", *body]) + "\n"
    return out


def timetable(session: Session, fair_id: int, lang: str = "zh") -> str:
    """The whole fair: per slot, every meeting with its table and both sides."""
    fair = queries.get_fair(session, fair_id)
    lines = [t("fairs.agenda_timetable_title", lang, fair=fair.title(lang))]
    slot = None
    meetings = queries.list_meetings(session, fair_id)
    for m in meetings:
        if (m.starts_at, m.ends_at) != slot:
            slot = (m.starts_at, m.ends_at)
            lines += ["", _when(m)]
        lines.append(
            f"  {_table(m, lang)}  {_name(m.requester_name, m.requester_name_en, lang)}"
            f" — {_name(m.requested_name, m.requested_name_en, lang)}"
        )
    lines += ["", t("fairs.agenda_total", lang, n=len(meetings))]
    return "\n".join(lines) + "\n"


def participant_ics(
    session: Session,
    fair_id: int,
    participant_id: int,
    lang: str = "zh",
    *,
    now: datetime | None = None,
) -> bytes:
    """The participant's meetings as an iCalendar file (RFC 5545): one VEVENT per meeting
    with the meeting's stable UID and its SEQUENCE."""
    fair = queries.get_fair(session, fair_id)
    me = queries.participant_of(session, fair_id, participant_id)
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Haihe//Fairs agendas//ZH")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _calendar_name(fair, me, lang))
    for m in queries.list_meetings(session, fair_id, participant_id):
        ev = icalendar.Event()
        ev.add("uid", m.uid)
        ev.add("sequence", m.sequence)
        ev.add("dtstamp", stamp)
        ev.add("dtstart", m.starts_at.replace(tzinfo=FAIR_TZ))
        ev.add("dtend", m.ends_at.replace(tzinfo=FAIR_TZ))
        ev.add(
            "summary",
            t("fairs.agenda_event_summary", lang, other=_other(m, participant_id, lang)),
        )
        place = ", ".join(x for x in (_table(m, lang), fair.place) if x)
        ev.add("location", place)
        ev.add("description", f"{fair.title(lang)}\n{_table(m, lang)}")
        ev.add("status", "CONFIRMED")
        cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


def _calendar_name(fair: FairPublic, me: ParticipantView, lang: str) -> str:
    return f"{fair.title(lang)} — {_name(me.name, me.name_en, lang)}"


def write_agendas(session: Session, fair_id: int, out: Path) -> list[Path]:
    """Every agenda of the fair into `out`: participants/<id>.<lang>.txt and .ics,
    tables/<number>.<lang>.txt, timetable.<lang>.txt. Returns the files written."""
    written: list[Path] = []

    def put(path: Path, data: str | bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        written.append(path)

    people = queries.list_participants(session, fair_id)
    for lang in LANGS:
        put(out / f"timetable.{lang}.txt", timetable(session, fair_id, lang))
        for number, sheet in table_sheets(session, fair_id, lang).items():
            put(out / "tables" / f"{number}.{lang}.txt", sheet)
        for p in people:
            put(
                out / "participants" / f"{p.id}.{lang}.txt",
                participant_agenda(session, fair_id, p.id, lang),
            )
            put(
                out / "participants" / f"{p.id}.{lang}.ics",
                participant_ics(session, fair_id, p.id, lang),
            )
    return written
