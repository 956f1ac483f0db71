"""`/export`: the member's own data, as one JSON file sent to them and nobody else.

What it holds — everything stored that is about them:

- the profile they gave (chosen name, time zone, reminder time, consent) and the
  settings they chose (reminders paused, event suggestions off), and the chat ids of
  their accounts (the only account detail Hearthside keeps);
- every mood and connection check-in, with the words they typed ("what helped");
- their answers to events (and whether a peer met them there), the event suggestions
  sent to them and why (the parts of the isolation rule that held);
- the peer chats they asked for: when, status, topic, their rating and words, whether
  they reported it, and the volunteer's display name — never any more of the volunteer;
- the safety events recorded about them: time, tier and where (a message, a peer chat,
  an unanswered "are you safe?"), with what each tier means. The words that raised it
  were never stored. They are included because they are data about the member like any
  other, and a person is entitled to see what a service records about their safety; the
  internal rule ids and detector version are left out (they describe the detector, not
  the member);
- their volunteer profile and shifts, if they volunteer.

Left out: scheduling bookkeeping (when the next prompt is due) and the isolation signals on
the member row, which are recomputed from the check-ins included here; chats they held as a
volunteer (those are other members' data); and anything about other people. Only
`export member=<id>` is logged.
"""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from flows.checkin import AREA_LABELS, MOOD_BY_VALUE
from flows.connection import FREQUENCY, ITEMS
from flows.engine import Command, Context
from flows.handoff import PRIORITY_CRISIS, PRIORITY_LOW_MOOD, TOPIC_LABELS
from flows.schedule import local_today
from flows.values import Document, Reply
from storage import (
    ConnectionCheckin,
    EventAnswer,
    Member,
    MoodCheckin,
    NudgeRecord,
    PeerChat,
    SafetyEvent,
    Transaction,
)

log = logging.getLogger(__name__)

FORMAT = "hearthside-export"
VERSION = 1
MIME_TYPE = "application/json"
FREQUENCY_LABELS = {int(choice.value): choice.label for choice in FREQUENCY}
TIER_MEANINGS = {
    1: "serious risk: you were shown the crisis lines at once, and peers on call and admins "
    "were asked to reach out",
    2: "possible risk: you were shown the crisis lines and asked whether you were thinking "
    "about ending your life",
    3: "distress: you were offered a peer to talk to, and the crisis lines",
}
SOURCES = {
    "chat": "a message to Hearthside",
    "relay": "a message in a peer chat",
    "confirmed": "your answer to “are you thinking about ending your life?”",
    "silence": "no answer to “are you thinking about ending your life?”",
}
ABOUT = (
    "Everything Hearthside stores about you, for you to keep. Times are UTC (ISO 8601); "
    "check-in dates are days in your own time zone. Only your answers to Hearthside's "
    "questions are stored: what you write in other messages and in peer chats never is, so "
    "it is not here. /delete removes all of this."
)


def _time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _mood(entry: MoodCheckin) -> dict[str, Any]:
    return {
        "date": entry.local_date.isoformat(),
        "mood": entry.mood,
        "mood_in_words": MOOD_BY_VALUE[entry.mood].label,
        "life_areas": [AREA_LABELS.get(tag, tag) for tag in entry.tags],
        "what_helped": entry.helped,
        "last_changed_at": _time(entry.updated_at),
    }


def _connection(entry: ConnectionCheckin) -> dict[str, Any]:
    scores = {
        "lack_companionship": entry.lack_companionship,
        "left_out": entry.left_out,
        "isolated": entry.isolated,
    }
    return {
        "date": entry.local_date.isoformat(),
        "answers": [
            {"question": question, "answer": FREQUENCY_LABELS[scores[key]], "score": scores[key]}
            for key, question in ITEMS
        ],
        "ucla3_total": entry.ucla3_total,
        "community_contacts": entry.community_contacts,
    }


def _event_answer(entry: EventAnswer) -> dict[str, Any]:
    return {
        "event": entry.event_title,
        "place": entry.event_place,
        "starts_at": _time(entry.event_starts_at),
        "cancelled": entry.event_cancelled,
        "answer": entry.answer,
        "answered_at": _time(entry.answered_at),
        "attended": entry.attended,
        "how_it_was": entry.rating,
        "asked_for_a_peer_to_meet_you": entry.buddy_requested,
        "offered_to_meet_someone": entry.buddy_offer,
        "peer_meeting_you": entry.buddy_name,
    }


def _nudge(entry: NudgeRecord) -> dict[str, Any]:
    return {
        "sent_at": _time(entry.sent_at),
        "event": entry.event_title,
        "event_starts_at": _time(entry.event_starts_at),
        "why": list(entry.reasons),
        "outcome": entry.outcome,
        "outcome_at": _time(entry.outcome_at),
    }


def _priority(priority: int) -> str:
    if priority == PRIORITY_CRISIS:
        return "crisis"
    if priority == PRIORITY_LOW_MOOD:
        return "low mood"
    return "ordinary"


def _peer_chat(entry: PeerChat) -> dict[str, Any]:
    return {
        "requested_at": _time(entry.requested_at),
        "accepted_at": _time(entry.accepted_at),
        "ended_at": _time(entry.ended_at),
        "status": entry.status,
        "priority": _priority(entry.priority),
        "topic": TOPIC_LABELS.get(entry.topic, entry.topic) if entry.topic else None,
        "volunteer_display_name": entry.volunteer_name,
        "your_rating": entry.rating,
        "your_words_about_it": entry.feedback,
        "you_reported_it_at": _time(entry.reported_at),
    }


def _safety(entry: SafetyEvent) -> dict[str, Any]:
    return {
        "at": _time(entry.at),
        "tier": entry.tier,
        "meaning": TIER_MEANINGS.get(entry.tier, ""),
        "from": SOURCES.get(entry.source, entry.source),
    }


async def member_export(tx: Transaction, member: Member, now: datetime) -> dict[str, Any]:
    """Everything stored about `member`, as JSON-ready values."""
    volunteer = await tx.volunteers.get(member.id)
    volunteering: dict[str, Any] | None = None
    if volunteer is not None:
        volunteering = {
            "display_name": volunteer.display_name,
            "topics": list(volunteer.topics),
            "chats_at_once": volunteer.capacity,
            "status": volunteer.status,
            "joined_at": _time(volunteer.joined_at),
            "shifts": [
                {"weekday": shift.weekday, "starts": shift.starts, "ends": shift.ends}
                for shift in await tx.volunteers.shifts_of(member.id)
            ],
        }
    return {
        "format": FORMAT,
        "version": VERSION,
        "about": ABOUT,
        "exported_at": _time(now),
        "profile": {
            "chosen_name": member.pseudonym,
            "time_zone": member.timezone,
            "reminder_time": member.prompt_time,
            "reminders_paused": member.paused,
            "event_suggestions": not member.nudges_off,
            "joined_at": _time(member.created_at),
            "consented_at": _time(member.consented_at),
            "consent_version": member.consent_version,
            "set_up_at": _time(member.onboarded_at),
        },
        "accounts": [
            {"channel": account.channel, "chat_id": account.external_id}
            for account in await tx.members.accounts_of(member.id)
        ],
        "mood_checkins": [_mood(m) for m in await tx.checkins.moods_since(member.id)],
        "connection_checkins": [
            _connection(c) for c in await tx.checkins.connections_since(member.id)
        ],
        "event_answers": [_event_answer(a) for a in await tx.personal.event_answers(member.id)],
        "event_suggestions": [_nudge(n) for n in await tx.personal.nudges(member.id)],
        "peer_chats": [_peer_chat(c) for c in await tx.personal.peer_chats(member.id)],
        "safety_events": [_safety(e) for e in await tx.personal.safety_events(member.id)],
        "volunteer": volunteering,
    }


def file_name(member: Member, now: datetime) -> str:
    return f"hearthside-export-{local_today(member.timezone, now).isoformat()}.json"


async def export(ctx: Context) -> None:
    member = ctx.require_member()
    data = await member_export(ctx.tx, member, ctx.now)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    log.info("export member=%s", member.id)
    ctx.send_to(
        ctx.account,
        Reply(
            "Here is everything I store about you, as a JSON file, for you alone. Keep it "
            "somewhere safe: it is personal. /delete removes it all from Hearthside.",
            document=Document(file_name(member, ctx.now), MIME_TYPE, body),
        ),
    )
    ctx.remind_open_question()


EXPORT_COMMANDS = (
    Command("export", "a copy of everything I store about you", export, audience="person"),
)
