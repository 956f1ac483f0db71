"""`/export`: a person's own data, as one JSON file sent to them and nobody else.

It holds everything stored that is about them, each part described in plain words in
the file's own `guide`:

- the profile they gave (chosen name, time zone, reminder time, consent), the settings
  they chose, the admin role if granted in chat, and the chat ids of their accounts (the
  only account detail Hearthside keeps);
- their peer-support settings: barred from peer chats, "the same peer next time" and
  which peer that is;
- the holds after a safety event (no surveys or suggestions until, the gentle follow-up
  due, an unanswered "are you safe?" question);
- what Hearthside has worked out from their check-ins (count, streak, low-mood run, latest
  loneliness score, last community contact) and when it will next write to them;
- the conversation they are in the middle of, if any, with its answers so far;
- every mood and connection check-in, with the words they typed ("what helped");
- their safety plan, step by step in their own words, if they made one;
- the recovery date they count milestones from, if they set one, and where the counting is;
- their answers to events (and the next reminder due), the event suggestions sent to them
  and why (the parts of the isolation rule that held);
- the peer chats they asked for: when, status, topic, the name the volunteer saw, how it
  ended, how often peers were asked again, their rating and words, the reports of it (by
  them or by the volunteer: when, why, when the admins got it, and their own words, never
  the volunteer's) and the volunteer's display name — never any more of them;
- the safety events recorded about them: time, tier, where, the rule ids that decided it
  (inferences about the person, so each is given with what it means), the detector's
  version and the chat's id of their message. The words that raised it were never stored;
- for a volunteer, their profile, shifts and on-call state, the reports of chats they held
  (when and by whom, nothing of the chat) and the events at which they meet a member; the
  invites they redeemed; the events they created; what the audit trail records they did
  as staff (each action and when, not the rows it was done to: those are other people's);
  for an admin, whether they take the weekly digest, when the next is due and which week
  was sent last.

Left out: the chats they held as a volunteer (those are the members' data), and anything
about other people; and delivery bookkeeping that holds nothing about them beyond their
chat id (messages on their way, message ids kept to edit a notice, the buttons last offered
for typing). tests/members/test_export_schema.py lists every stored column as exported or not, with
why. Only `export member=<id>` is logged.
"""

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flows.checkins import AREA_LABELS, FREQUENCY, ITEMS, MOOD_BY_VALUE
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.conversation import split_data
from flows.core.language import N_, _
from flows.core.local_time import local_today
from flows.core.values import Document, Reply
from flows.peer import REASON_LABELS, TOPIC_LABELS
from flows.safety import STEPS as PLAN_STEPS
from flows.safety import rule_meaning
from storage import (
    ChatReport,
    ChatSide,
    ConnectionCheckin,
    ConversationRow,
    DigestSubscription,
    EndReason,
    EventAnswer,
    Member,
    MoodCheckin,
    NudgeRecord,
    PeerChat,
    Priority,
    RecoveryDate,
    ReminderStage,
    SafetyEvent,
    SafetyPlan,
    SafetySource,
    Transaction,
    Volunteer,
)

log = logging.getLogger(__name__)

FORMAT = "hearthside-export"
# 3: an account is its channel and its id there ("id", which was "chat_id").
VERSION = 3
MIME_TYPE = "application/json"
FREQUENCY_LABELS = {int(choice.value): choice.label for choice in FREQUENCY}  # marked sources
TIER_MEANINGS = {
    1: N_(
        "serious risk: you were shown the crisis lines at once, and peers on call and admins "
        "were asked to reach out"
    ),
    2: N_(
        "possible risk: you were shown the crisis lines and asked whether you were thinking "
        "about ending your life"
    ),
    3: N_("distress: you were offered a peer to talk to, and the crisis lines"),
}
# What happened differs where the words were written: say what did, not the usual route.
IN_CHAT_MEANINGS = {
    1: N_(
        "serious risk, in a peer chat: you were shown the crisis lines at once, the peer with "
        "you was alerted privately, and the admins were told"
    ),
    2: N_("possible risk, in a peer chat: the peer with you was alerted privately"),
    3: N_("distress, in a peer chat: the peer with you was alerted privately"),
}
AS_VOLUNTEER_MEANINGS = {
    1: N_(
        "serious risk, in words you wrote while holding a peer chat: you were shown the crisis "
        "lines privately, and the admins were asked to check in with you"
    ),
    2: N_(
        "possible risk, in words you wrote while holding a peer chat: you were sent a private "
        "word and the crisis lines"
    ),
    3: N_("distress, in words you wrote while holding a peer chat: recorded only"),
}
SOURCES = {
    SafetySource.CHAT: N_("a message to Hearthside"),
    SafetySource.RELAY: N_("a message in a peer chat"),
    SafetySource.VOLUNTEER: N_(
        "a message you wrote in a peer chat you were holding as a volunteer"
    ),
    SafetySource.FALLBACK: N_(
        "a message to Hearthside, answered by the safety check's simplest reply"
    ),
    SafetySource.CONFIRMED: N_("your answer to “are you thinking about ending your life?”"),
    SafetySource.SILENCE: N_("no answer to “are you thinking about ending your life?”"),
}
SOURCE_MEANINGS = {
    SafetySource.RELAY: IN_CHAT_MEANINGS,
    SafetySource.VOLUNTEER: AS_VOLUNTEER_MEANINGS,
}
END_REASONS = {
    EndReason.MEMBER: N_("you ended it"),
    EndReason.VOLUNTEER: N_("the peer volunteer ended it"),
    EndReason.MEMBER_LEFT: N_("you could no longer be reached (Hearthside was blocked)"),
    EndReason.VOLUNTEER_LEFT: N_("the peer volunteer could no longer be reached"),
    EndReason.BARRED: N_("an admin closed it"),
    EndReason.VOLUNTEER_DELETED: N_("the peer volunteer left Hearthside"),
    EndReason.VOLUNTEER_SUSPENDED: N_("the peer volunteer had to step away"),
    EndReason.MEMBER_DELETED: N_("you deleted your data"),
    EndReason.DELETED: N_("one side deleted their data"),
    EndReason.LEFT: N_("you could no longer be reached, so the request was withdrawn"),
    EndReason.IDLE: N_("nobody had written in it for a while, so Hearthside closed it"),
}
REPORTED_BY = {ChatSide.MEMBER: N_("the member"), ChatSide.VOLUNTEER: N_("the peer volunteer")}
NEXT_EVENT_MESSAGE = {
    ReminderStage.DAY_BEFORE: N_("a reminder the day before"),
    ReminderStage.HOUR_BEFORE: N_("a reminder an hour before"),
    ReminderStage.FOLLOWUP: N_("“did you make it?” after it"),
}
PRIORITY_WORDS = {
    Priority.CRISIS: N_("crisis"),
    Priority.LOW_MOOD: N_("low mood"),
    Priority.ORDINARY: N_("ordinary"),
}
ABOUT = N_(
    "Everything Hearthside stores about you, for you to keep. Times are UTC (ISO 8601); "
    "check-in dates are days in your own time zone. Only your answers to Hearthside's "
    "questions are stored: what you write in other messages and in peer chats never is, so "
    "it is not here. /delete removes all of this."
)
GUIDE = {
    "profile": N_(
        "What you told Hearthside when you joined, your settings, and the number "
        "Hearthside's logs use for you (logs hold numbers and event types, never words)."
    ),
    "accounts": N_(
        "The chats you use Hearthside from: the channel and its id for the chat. "
        "No name, username or phone number is kept."
    ),
    "peer_support": N_(
        "Whether you may ask for peer chats, and whether you asked for the same "
        "peer next time (and who)."
    ),
    "after_a_safety_event": N_(
        "After the safety check noticed something, Hearthside holds back "
        "surveys and event suggestions for a while and checks in gently; this is when."
    ),
    "worked_out_from_your_check_ins": N_(
        "What Hearthside has worked out from your check-ins "
        "and uses to decide when to write to you, and when it next will."
    ),
    "open_conversation": N_(
        "The question Hearthside is waiting for you to answer, if any, with "
        "your answers so far; it lapses by itself."
    ),
    "mood_checkins": N_("Every daily check-in: the mood, the life areas and what helped."),
    "safety_plan": N_(
        "Your safety plan (/safetyplan), step by step in your own words, if you "
        "made one. Only you have ever been shown it."
    ),
    "recovery_date": N_(
        "The recovery date you chose to count milestones from (/milestones), "
        "if you set one, the last milestone day done and when the next note is due. Only you "
        "have ever been shown it; an earlier date you replaced is not kept."
    ),
    "weekly_digest": N_(
        "For an admin who asked for it (/digest on): since when, when the "
        "next weekly digest is due and the week of the last one sent."
    ),
    "connection_checkins": N_(
        "Every weekly connection check-in (the UCLA-3 loneliness "
        "questions) and how many people from your community you talked with."
    ),
    "event_answers": N_("Your answers to community events, and the next reminder due."),
    "events_you_usually_go_to": N_(
        "The repeating events you said you usually go to, and since when."
    ),
    "event_suggestions": N_("The events Hearthside suggested to you, why, and what came of it."),
    "peer_chats": N_(
        "Each time you asked to talk to a peer: how it went, the name the peer "
        "saw, how it ended, your rating and words, and any reports of it. What was said in it "
        "was never stored. What you wrote for the peer while waiting is kept only until one "
        "accepts, and messages held back because they had contact details in them are counted "
        "(not kept)."
    ),
    "safety_events": N_(
        "Each time the safety check noticed something in what you wrote (or "
        "an unanswered question): how serious it looked, which of its rules matched and what "
        "they mean. The words themselves were never stored."
    ),
    "volunteer": N_(
        "Your peer volunteer profile, if you volunteer. The chats you held are the "
        "members' own data, so only reports of them (when, and by whom) are here."
    ),
    "events_where_you_meet_a_member": N_("Events at which you agreed to meet a member."),
    "invites_redeemed": N_("The invites that made you a volunteer or an admin."),
    "events_you_created": N_("Community events you posted as an admin."),
    "broadcasts_to_you": N_(
        "The admins' broadcasts (announcements) addressed to you, by number: "
        "whether each was sent, left out (paused, or announcements off) or is waiting for your "
        "quiet hours to end. Their words are not kept once sent."
    ),
    "broadcasts_you_sent": N_(
        "Broadcasts you sent as an admin: to whom, and how they ended; "
        "the words only while one is still on its way."
    ),
    "actions_you_took_as_staff": N_(
        "What the audit trail records you did as an admin or volunteer (an invite made, a "
        "volunteer suspended, an event posted…) and when. The numbers of what you acted on "
        "are left out: they are other people's rows. If you delete your data, these stay "
        "in the trail under a pseudonym, not your number."
    ),
}


def _time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _mood(entry: MoodCheckin) -> dict[str, Any]:
    return {
        "date": entry.local_date.isoformat(),
        "mood": entry.mood,
        "mood_in_words": _(MOOD_BY_VALUE[entry.mood].label),
        "life_areas": [_(AREA_LABELS[tag]) if tag in AREA_LABELS else tag for tag in entry.tags],
        "what_helped": entry.helped,
        "first_recorded_at": _time(entry.created_at),
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
            {
                "question": _(question),
                "answer": _(FREQUENCY_LABELS[scores[key]]),
                "score": scores[key],
            }
            for key, question in ITEMS
        ],
        "ucla3_total": entry.ucla3_total,
        "community_contacts": entry.community_contacts,
        "recorded_at": _time(entry.created_at),
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
        "next_message": _(NEXT_EVENT_MESSAGE[entry.stage]) if entry.stage else None,
        "next_message_at": _time(entry.due_at),
        "because_you_usually_go": entry.from_series,
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


def _report(entry: ChatReport, *, you: ChatSide) -> dict[str, Any]:
    yours = entry.reported_by is you
    return {
        "at": _time(entry.at),
        "by": _("you") if yours else _(REPORTED_BY[entry.reported_by]),
        # The peer area's labels: translated where they are marked.
        "reason": _(REASON_LABELS[entry.reason]) if entry.reason else None,
        # The other side's words are theirs, as the chat's messages are.
        "your_words": entry.words if yours else None,
        "passed_to_the_admins_at": _time(entry.passed_on_at),
    }


def _peer_chat(entry: PeerChat) -> dict[str, Any]:
    return {
        "requested_at": _time(entry.requested_at),
        "accepted_at": _time(entry.accepted_at),
        "ended_at": _time(entry.ended_at),
        "status": entry.status,
        "how_it_ended": _(END_REASONS[entry.end_reason]) if entry.end_reason else None,
        "priority": _(PRIORITY_WORDS[entry.priority]),
        "topic": _topic(entry.topic),
        "your_name_in_the_chat": entry.member_alias,
        "volunteer_display_name": entry.volunteer_name,
        "times_peers_were_asked_again": entry.escalations,
        "next_ask_again_at": _time(entry.escalate_at),
        "saved_for_the_next_shift": entry.held_for_shift,
        "you_let_the_peer_who_accepted_see_your_latest_mood": entry.share_mood,
        "your_rating": entry.rating,
        "your_words_about_it": entry.feedback,
        "reports": [_report(r, you=ChatSide.MEMBER) for r in entry.reports],
        "words_kept_for_the_peer_who_accepts": [
            {"kind": _(WAITING_KINDS[kind]) if kind in WAITING_KINDS else kind, "words": words}
            for kind, words in entry.waiting_words
        ],
        "last_message_passed_on_at": _time(entry.last_relayed_at),
        "you_were_told_it_would_close_for_quiet_at": _time(entry.idle_warned_at),
        "messages_held_back_for_contact_details": {
            "yours": entry.held_from_member,
            "your_peers": entry.held_from_volunteer,
        },
    }


WAITING_KINDS = {
    "topic": N_("what you'd like to talk about, in your own words"),
    "message": N_("a message you wrote while waiting"),
}


def _topic(topic: str | None) -> str | None:
    if not topic:
        return None
    return _(TOPIC_LABELS[topic]) if topic in TOPIC_LABELS else topic


def _safety(entry: SafetyEvent) -> dict[str, Any]:
    meaning = SOURCE_MEANINGS.get(entry.source, TIER_MEANINGS).get(entry.tier)
    return {
        "at": _time(entry.at),
        "tier": entry.tier,
        "meaning": _(meaning) if meaning else "",
        "from": _(SOURCES[entry.source]),
        # The safety area's words for its rules (translated where they are marked).
        "rules": [{"id": rule, "meaning": _(rule_meaning(rule))} for rule in entry.rule_ids],
        "detector_version": entry.detector_version,
        "message_id_in_your_chat": entry.message_ref,
    }


def _safety_plan(plan: SafetyPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    # Keyed by each step's title ("my_reasons_for_living"), in the plan's order.
    steps = {_key(step.title): list(plan.items(step.key)) for step in PLAN_STEPS}
    return {
        **steps,
        "started_at": _time(plan.created_at),
        "last_changed_at": _time(plan.updated_at),
    }


def _digest(digest: DigestSubscription | None) -> dict[str, Any] | None:
    if digest is None:
        return None
    return {
        "turned_on_at": _time(digest.turned_on_at),
        "next_at": _time(digest.next_at),
        "last_week_sent": digest.last_week.isoformat() if digest.last_week else None,
    }


def _recovery(recovery: RecoveryDate | None) -> dict[str, Any] | None:
    if recovery is None:
        return None
    return {
        "counting_from": recovery.since.isoformat(),
        "set_at": _time(recovery.set_at),
        "milestones_done_through": recovery.celebrated_through.isoformat(),
        "next_milestone_note_at": _time(recovery.next_at),
    }


def _key(title: str) -> str:
    return "_".join("".join(c if c.isalnum() else " " for c in title.casefold()).split())


def _open_conversation(
    row: ConversationRow | None, titles: Mapping[str, str]
) -> dict[str, Any] | None:
    if row is None:
        return None
    answers, question = split_data(row.data)
    return {
        "in_the_middle_of": _(titles[row.flow]) if row.flow in titles else row.flow,
        "step": row.step,
        "question": question.get("text") if isinstance(question, dict) else None,
        "answers_so_far": answers,
        "last_changed_at": _time(row.updated_at),
        "lapses_at": _time(row.expires_at),
    }


async def _volunteering(tx: Transaction, volunteer: Volunteer | None) -> dict[str, Any] | None:
    if volunteer is None:
        return None
    return {
        "display_name": volunteer.display_name,
        "answers_members_as": (
            _("a Hearthside coordinator (an admin, not a listed peer volunteer)")
            if volunteer.coordinator
            else _("a peer volunteer")
        ),
        "topics": list(volunteer.topics),
        "chats_at_once": volunteer.capacity,
        "status": volunteer.status,
        "on_call": volunteer.on_call,
        "on_call_because_of_a_shift": volunteer.on_call_by_shift,
        "last_shift_started_at": _time(volunteer.shift_started),
        "last_shift_reminded_at": _time(volunteer.shift_reminded),
        "joined_at": _time(volunteer.joined_at),
        "shifts": [
            {"weekday": shift.weekday, "starts": shift.starts, "ends": shift.ends}
            for shift in await tx.volunteers.shifts_of(volunteer.member_id)
        ],
        "removed_at": _time(volunteer.removed_at),
        # Reports of chats they held are left out: they would point at whoever reported
        # (a right of access does not reach into someone else's data; an admin can say).
    }


async def member_export(
    tx: Transaction, member: Member, now: datetime, *, flow_titles: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Everything stored about `member`, as JSON-ready values (`flow_titles`: the words
    for a conversation, "check-in", by its flow's name)."""
    last_peer = (
        await tx.volunteers.get(member.last_volunteer_id)
        if member.last_volunteer_id is not None
        else None
    )
    personal = tx.personal
    return {
        "format": FORMAT,
        "version": VERSION,
        "about": _(ABOUT),
        "guide": {part: _(note) for part, note in GUIDE.items()},
        "exported_at": _time(now),
        "profile": {
            "member_number": member.id,
            "chosen_name": member.pseudonym,
            "time_zone": member.timezone,
            "reminder_time": member.prompt_time,
            "reminders_paused": member.paused,
            "event_suggestions": not member.nudges_off,
            "announcements": member.announcements,
            "language": member.language,
            "meetings_suggested_first": member.meeting_preference,
            "joined_at": _time(member.created_at),
            "consented_at": _time(member.consented_at),
            "consent_version": member.consent_version,
            "set_up_at": _time(member.onboarded_at),
            "admin_role_granted_in_chat": member.is_admin,
        },
        "accounts": [
            {"channel": account.channel, "id": account.external_id}
            for account in await tx.members.accounts_of(member.id)
        ],
        "peer_support": {
            "barred_from_peer_chats": member.peer_barred,
            "same_peer_next_time": member.same_volunteer,
            "your_last_peer": last_peer.display_name if last_peer is not None else None,
        },
        "after_a_safety_event": {
            "no_surveys_or_suggestions_until": _time(member.quiet_until),
            "gentle_follow_up_due_at": _time(member.followup_at),
            "unanswered_safety_question_escalates_at": _time(member.safety_check_due_at),
        },
        "worked_out_from_your_check_ins": {
            "check_ins_so_far": member.checkin_count,
            "newest_check_in_date": member.last_checkin_date.isoformat()
            if member.last_checkin_date is not None
            else None,
            "days_in_a_row": member.streak_days,
            "low_mood_check_ins_in_a_row": member.low_mood_run,
            "latest_ucla3_total": member.last_ucla3,
            "last_community_contact_at": _time(member.last_contact_at),
            "last_event_suggestion_at": _time(member.last_nudge_at),
            "next_event_suggestion_not_before": _time(member.next_nudge_at),
            "next_daily_reminder_at": _time(member.next_prompt_at),
            "next_connection_check_in_at": _time(member.next_connect_at),
            "unreachable_since": _time(member.unreachable_at),
        },
        "open_conversation": _open_conversation(
            await tx.conversations.load(member.id), flow_titles or {}
        ),
        "mood_checkins": [_mood(m) for m in await tx.checkins.moods_since(member.id)],
        "connection_checkins": [
            _connection(c) for c in await tx.checkins.connections_since(member.id)
        ],
        "safety_plan": _safety_plan(await tx.safety_plans.get(member.id)),
        "recovery_date": _recovery(await tx.recovery.get(member.id)),
        "weekly_digest": _digest(await tx.digests.get(member.id)),
        "event_answers": [_event_answer(a) for a in await personal.event_answers(member.id)],
        "events_you_usually_go_to": [
            {"event": title, "since": _time(since)}
            for title, since in await personal.usual_series(member.id)
        ],
        "event_suggestions": [_nudge(n) for n in await personal.nudges(member.id)],
        "peer_chats": [_peer_chat(c) for c in await personal.peer_chats(member.id)],
        "safety_events": [_safety(e) for e in await personal.safety_events(member.id)],
        "volunteer": await _volunteering(tx, await tx.volunteers.get(member.id)),
        "events_where_you_meet_a_member": [
            {"event": m.event_title, "starts_at": _time(m.event_starts_at)}
            for m in await personal.buddy_meetings(member.id)
        ],
        "invites_redeemed": [
            {"role": i.role, "redeemed_at": _time(i.used_at)}
            for i in await personal.invites_used(member.id)
        ],
        "events_you_created": [
            {"title": e.title, "starts_at": _time(e.starts_at), "created_at": _time(e.created_at)}
            for e in await personal.events_created(member.id)
        ],
        "broadcasts_to_you": [
            {
                "broadcast": b.broadcast_id,
                "state": b.state,
                "not_before": _time(b.not_before),
                "waiting_for_your_quiet_hours": b.deferred,
            }
            for b in await tx.broadcasts.sent_to(member.id)
        ],
        "broadcasts_you_sent": [
            {
                "broadcast": b.id,
                "text": b.text or None,
                "with_a_photo": b.photo is not None,
                "audience": b.audience,
                "channel": b.channel,
                "time_critical": b.time_critical,
                "status": b.status,
                "created_at": _time(b.created_at),
                "ended_at": _time(b.ended_at),
            }
            for b in await tx.broadcasts.written_by(member.id)
        ],
        "actions_you_took_as_staff": [
            {"action": e.action, "at": _time(e.at)}
            for e in reversed(await tx.audit.latest(actor=str(member.id), limit=None))
        ],
    }


def file_name(member: Member, now: datetime) -> str:
    return f"hearthside-export-{local_today(member.timezone, now).isoformat()}.json"


async def export(ctx: Context) -> None:
    member = ctx.require_member()
    titles = {name: flow.title for name, flow in ctx.engine.flows.items()}
    # Years of check-ins and chats: read on the database's worker thread, so the loop
    # serves other chats meanwhile.
    async with ctx.tx.off_loop():
        data = await member_export(ctx.tx, member, ctx.now, flow_titles=titles)
    body = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    log.info("export member=%s", member.id)
    ctx.send_to(
        ctx.account,
        Reply(
            _(
                "Here is everything I store about you, as a JSON file, for you alone. Keep it "
                "somewhere safe: it is personal. /delete removes it all from Hearthside."
            ),
            document=Document(file_name(member, ctx.now), MIME_TYPE, body),
        ),
    )
    ctx.remind_open_question()


EXPORT_COMMANDS = (
    Command(
        "export", N_("a copy of everything I store about you"), export, audience=Audience.PERSON
    ),
)
