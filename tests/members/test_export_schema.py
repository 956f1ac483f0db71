"""/export can't silently fall behind the schema, and says what it holds in plain words.

Every column of every table, in the database as the migrations leave it, is listed here:
either where /export puts it, or why it is left out. A new column fails the first test
until someone decides which it is; the second fills in everything a person can have and
checks that each listed place is really in their export. The rule ids of safety events are
inferences about the person: every id the safety check can store has a meaning in words.
"""

import json
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from flows.core.clock import ManualClock
from flows.core.engine import Engine
from flows.members.export import member_export
from flows.safety.crisis import assess
from flows.safety.crisis.meanings import UNKNOWN, rule_meaning
from flows.sweeper import Sweeper
from storage import (
    Account,
    ChatSide,
    ConnectionCheckin,
    Database,
    EventFields,
    NudgeReason,
    Priority,
    ReminderStage,
    ReportReason,
    Role,
    RsvpAnswer,
    SafetySource,
)
from storage.broadcasts import NewRecipient
from storage.volunteers import invite_digest
from tests.chat_driver import ChatDriver

# Columns that only tie a row to its person (or to the chat or event it is about):
# the export is that person's, and shows what the row holds.
LINK = "ties the row to its person, chat or event"
ROW_KEY = "the row's own number"

EXPORTED: dict[str, dict[str, str]] = {
    "member": {
        "id": "profile.member_number",
        "created_at": "profile.joined_at",
        "pseudonym": "profile.chosen_name",
        "timezone": "profile.time_zone",
        "prompt_time": "profile.reminder_time",
        "consent_version": "profile.consent_version",
        "consented_at": "profile.consented_at",
        "onboarded_at": "profile.set_up_at",
        "paused": "profile.reminders_paused",
        "nudges_off": "profile.event_suggestions",
        "announcements": "profile.announcements",
        "language": "profile.language",
        "meeting_preference": "profile.meetings_suggested_first",
        "is_admin": "profile.admin_role_granted_in_chat",
        "peer_barred": "peer_support.barred_from_peer_chats",
        "same_volunteer": "peer_support.same_peer_next_time",
        "last_volunteer_id": "peer_support.your_last_peer",
        "quiet_until": "after_a_safety_event.no_surveys_or_suggestions_until",
        "followup_at": "after_a_safety_event.gentle_follow_up_due_at",
        "safety_check_due_at": "after_a_safety_event.unanswered_safety_question_escalates_at",
        "checkin_count": "worked_out_from_your_check_ins.check_ins_so_far",
        "last_checkin_date": "worked_out_from_your_check_ins.newest_check_in_date",
        "streak_days": "worked_out_from_your_check_ins.days_in_a_row",
        "low_mood_run": "worked_out_from_your_check_ins.low_mood_check_ins_in_a_row",
        "last_ucla3": "worked_out_from_your_check_ins.latest_ucla3_total",
        "last_contact_at": "worked_out_from_your_check_ins.last_community_contact_at",
        "last_nudge_at": "worked_out_from_your_check_ins.last_event_suggestion_at",
        "next_nudge_at": "worked_out_from_your_check_ins.next_event_suggestion_not_before",
        "next_prompt_at": "worked_out_from_your_check_ins.next_daily_reminder_at",
        "next_connect_at": "worked_out_from_your_check_ins.next_connection_check_in_at",
        "unreachable_at": "worked_out_from_your_check_ins.unreachable_since",
    },
    "account": {"channel": "accounts[].channel", "external_id": "accounts[].id"},
    "mood_checkin": {
        "local_date": "mood_checkins[].date",
        "mood": "mood_checkins[].mood",
        "tags": "mood_checkins[].life_areas",
        "helped": "mood_checkins[].what_helped",
        "created_at": "mood_checkins[].first_recorded_at",
        "updated_at": "mood_checkins[].last_changed_at",
    },
    "connection_checkin": {
        "local_date": "connection_checkins[].date",
        "lack_companionship": "connection_checkins[].answers[].score",
        "left_out": "connection_checkins[].answers[].score",
        "isolated": "connection_checkins[].answers[].score",
        "ucla3_total": "connection_checkins[].ucla3_total",
        "community_contacts": "connection_checkins[].community_contacts",
        "created_at": "connection_checkins[].recorded_at",
    },
    "safety_plan": {
        "warning_signs": "safety_plan.warning_signs",
        "coping": "safety_plan.things_that_help_me_cope_on_my_own",
        "distractions": "safety_plan.people_and_places_that_take_my_mind_off_things",
        "people_to_ask": "safety_plan.people_i_can_ask_for_help",
        "reasons_for_living": "safety_plan.my_reasons_for_living",
        "professionals": "safety_plan.professionals_and_lines_to_call",
        "safer_space": "safety_plan.making_my_space_safer",
        "created_at": "safety_plan.started_at",
        "updated_at": "safety_plan.last_changed_at",
    },
    "admin_digest": {
        "turned_on_at": "weekly_digest.turned_on_at",
        "next_at": "weekly_digest.next_at",
        "last_week": "weekly_digest.last_week_sent",
    },
    "recovery_date": {
        "since": "recovery_date.counting_from",
        "set_at": "recovery_date.set_at",
        "celebrated_through": "recovery_date.milestones_done_through",
        "next_at": "recovery_date.next_milestone_note_at",
    },
    "conversation": {
        "flow": "open_conversation.in_the_middle_of",
        "step": "open_conversation.step",
        "data": "open_conversation.answers_so_far",
        "expires_at": "open_conversation.lapses_at",
        "updated_at": "open_conversation.last_changed_at",
    },
    "invite": {"role": "invites_redeemed[].role", "used_at": "invites_redeemed[].redeemed_at"},
    "volunteer": {
        "display_name": "volunteer.display_name",
        "coordinator": "volunteer.answers_members_as",
        "topics": "volunteer.topics",
        "capacity": "volunteer.chats_at_once",
        "status": "volunteer.status",
        "on_call": "volunteer.on_call",
        "on_call_by_shift": "volunteer.on_call_because_of_a_shift",
        "shift_started": "volunteer.last_shift_started_at",
        "shift_reminded": "volunteer.last_shift_reminded_at",
        "joined_at": "volunteer.joined_at",
        "removed_at": "volunteer.removed_at",
    },
    "shift": {
        "weekday": "volunteer.shifts[].weekday",
        "starts": "volunteer.shifts[].starts",
        "ends": "volunteer.shifts[].ends",
    },
    "handoff": {
        # Of the chats a person asked for. The chats a volunteer held are the members'.
        "volunteer_id": "peer_chats[].volunteer_display_name",
        "member_alias": "peer_chats[].your_name_in_the_chat",
        "priority": "peer_chats[].priority",
        "topic": "peer_chats[].topic",
        "status": "peer_chats[].status",
        "requested_at": "peer_chats[].requested_at",
        "accepted_at": "peer_chats[].accepted_at",
        "ended_at": "peer_chats[].ended_at",
        "end_reason": "peer_chats[].how_it_ended",
        "escalations": "peer_chats[].times_peers_were_asked_again",
        "escalate_at": "peer_chats[].next_ask_again_at",
        "held_for_shift": "peer_chats[].saved_for_the_next_shift",
        "share_mood": "peer_chats[].you_let_the_peer_who_accepted_see_your_latest_mood",
        "rating": "peer_chats[].your_rating",
        "feedback": "peer_chats[].your_words_about_it",
        "held_from_member": "peer_chats[].messages_held_back_for_contact_details.yours",
        "held_from_volunteer": "peer_chats[].messages_held_back_for_contact_details.your_peers",
        "last_relayed_at": "peer_chats[].last_message_passed_on_at",
        "idle_warned_at": "peer_chats[].you_were_told_it_would_close_for_quiet_at",
    },
    "waiting_words": {
        "kind": "peer_chats[].words_kept_for_the_peer_who_accepts[].kind",
        "words": "peer_chats[].words_kept_for_the_peer_who_accepts[].words",
    },
    "safety_event": {
        "at": "safety_events[].at",
        "tier": "safety_events[].tier",
        "rule_ids": "safety_events[].rules[].id",
        "detector_version": "safety_events[].detector_version",
        "source": "safety_events[].from",
        "message_ref": "safety_events[].message_id_in_your_chat",
    },
    "peer_report": {
        # Reports of the chats they asked for. Those of chats they held as a volunteer are
        # left out: they would point at whoever reported.
        "reported_by": "peer_chats[].reports[].by",
        "at": "peer_chats[].reports[].at",
        "reason": "peer_chats[].reports[].reason",
        # The reporter's own words: in the export of the member who wrote them.
        "words": "peer_chats[].reports[].your_words",
        "passed_on_at": "peer_chats[].reports[].passed_to_the_admins_at",
    },
    "event": {
        "title": "events_you_created[].title",
        "place": "event_answers[].place",
        "starts_at": "events_you_created[].starts_at",
        "created_at": "events_you_created[].created_at",
        "cancelled_at": "event_answers[].cancelled",
    },
    "rsvp": {
        "answer": "event_answers[].answer",
        "answered_at": "event_answers[].answered_at",
        "stage": "event_answers[].next_message",
        "due_at": "event_answers[].next_message_at",
        "attended": "event_answers[].attended",
        "rating": "event_answers[].how_it_was",
        "buddy_offer": "event_answers[].offered_to_meet_someone",
        "buddy_requested": "event_answers[].asked_for_a_peer_to_meet_you",
        "buddy_id": "events_where_you_meet_a_member[].event",
        "from_series": "event_answers[].because_you_usually_go",
    },
    "series_rsvp": {"answered_at": "events_you_usually_go_to[].since"},
    "broadcast_recipient": {
        "broadcast_id": "broadcasts_to_you[].broadcast",
        "state": "broadcasts_to_you[].state",
        "not_before": "broadcasts_to_you[].not_before",
        "deferred": "broadcasts_to_you[].waiting_for_your_quiet_hours",
    },
    "broadcast": {
        "id": "broadcasts_you_sent[].broadcast",
        "text": "broadcasts_you_sent[].text",
        "photo": "broadcasts_you_sent[].with_a_photo",
        "audience": "broadcasts_you_sent[].audience",
        "channel": "broadcasts_you_sent[].channel",
        "time_critical": "broadcasts_you_sent[].time_critical",
        "status": "broadcasts_you_sent[].status",
        "created_at": "broadcasts_you_sent[].created_at",
        "ended_at": "broadcasts_you_sent[].ended_at",
    },
    # What they did as staff (as the actor); rows where they are the target are left out.
    "audit_entry": {
        "action": "actions_you_took_as_staff[].action",
        "at": "actions_you_took_as_staff[].at",
    },
    "nudge": {
        "event_id": "event_suggestions[].event",
        "sent_at": "event_suggestions[].sent_at",
        "reasons": "event_suggestions[].why",
        "outcome": "event_suggestions[].outcome",
        "outcome_at": "event_suggestions[].outcome_at",
    },
}

LEFT_OUT: dict[str, dict[str, str]] = {
    "account": {"member_id": LINK},
    "mood_checkin": {"id": ROW_KEY, "member_id": LINK},
    "connection_checkin": {"id": ROW_KEY, "member_id": LINK},
    "safety_plan": {"member_id": LINK},
    "recovery_date": {"member_id": LINK},
    "admin_digest": {"member_id": LINK},
    "conversation": {
        "member_id": LINK,
        "token": "a random number the open question's buttons carry, so an old tap is known",
    },
    "inbox": dict.fromkeys(
        ("id", "source", "update_key", "payload", "received_at", "applied_at"),
        "channel updates, linked to no one; the raw update is cleared once it is applied",
    ),
    "outbox": dict.fromkeys(
        ("id", "channel", "external_id", "payload", "created_at", "attempts"),
        "messages on their way to a chat, deleted once sent (a deleted person's are dropped)",
    ),
    "invite": {
        "digest": "the SHA-256 of the one-time code, a secret's fingerprint",
        "id": "the invite's short number for admins' lists",
        "created_at": "when an admin made the invite, before anyone redeemed it",
        "expires_at": "when the unredeemed invite would have lapsed",
        "used_by": LINK,
    },
    "volunteer": {
        "member_id": LINK,
        "current_handoff": "which held chat their messages go to: a member's chat",
    },
    "shift": {"id": ROW_KEY, "volunteer_id": LINK},
    "handoff": {
        "id": ROW_KEY,
        "member_id": LINK,
        "ref": "a random reference the request's buttons carry, about no one",
    },
    "waiting_words": {
        "id": ROW_KEY,
        "handoff_id": LINK,
        "message_ref": "the id of the message they were typed in, so an edit of it follows",
    },
    "peer_bar": {
        "account_hash": "kept only for people who deleted their data while barred, and "
        "dropped when they come back (the bar is then on their member row, exported)",
    },
    "sent_message": dict.fromkeys(
        ("channel", "external_id", "message_ref", "notice", "sent_at", "part_of"),
        "ids of messages sent to a chat, kept 7 days to edit a notice or match a reply; "
        "no content",
    ),
    "safety_event": {"id": ROW_KEY, "member_id": LINK},
    "peer_report": {"id": ROW_KEY, "handoff_id": LINK},
    "app_state": dict.fromkeys(("key", "value"), "the scheduler's own facts, about no one"),
    "event": {
        "id": ROW_KEY,
        "uid": "the calendar's id for the event",
        "description": "the event's, not a person's",
        "ends_at": "the event's, not a person's",
        "tags": "the event's, not a person's",
        "capacity": "the event's, not a person's",
        "created_by": LINK,
        "updated_at": "when the event last changed",
        **dict.fromkeys(
            ("types", "conference_url", "conference_phone", "series_id", "occurrence", "detached"),
            "the event's, not a person's",
        ),
    },
    "event_series": {
        "id": ROW_KEY,
        "title": "a series' own; its dates are in event_answers and events_you_created",
        **dict.fromkeys(
            (
                "uid",
                "source",
                "feed_id",
                "place",
                "description",
                "tags",
                "capacity",
                "timezone",
                "rule",
                "local_time",
                "length_minutes",
                "first_date",
                "ical",
                "expanded_until",
                "types",
                "conference_url",
                "conference_phone",
                "source_updated",
                "created_at",
                "updated_at",
                "cancelled_at",
            ),
            "the series', not a person's",
        ),
        # Its dates carry who posted it: events_you_created lists them.
        "created_by": LINK,
    },
    "series_rsvp": {"series_id": LINK, "member_id": LINK},
    "meeting_feed": dict.fromkeys(
        (
            "id",
            "url",
            "etag",
            "last_modified",
            "next_sync_at",
            "last_ok_at",
            "failing_since",
            "failure",
            "meetings",
        ),
        "a feed's sync state, about no one",
    ),
    "rsvp": {"id": ROW_KEY, "event_id": LINK, "member_id": LINK},
    "audit_entry": {
        "id": ROW_KEY,
        "actor": LINK,
        "target": "the row acted on: another person's, an invite, an event or a chat",
    },
    "nudge": {"id": ROW_KEY, "member_id": LINK},
    "broadcast": {
        "author_id": LINK,
        **dict.fromkeys(
            ("author_channel", "author_external_id"),
            "the admin's chat its progress goes to (one of their accounts), cleared once its "
            "final report is sent",
        ),
        "reported_at": "when its final report went to the admin",
        "photo_type": "the file type of its photo, if it carries one",
    },
    "broadcast_recipient": {
        "id": ROW_KEY,
        "member_id": LINK,
        **dict.fromkeys(
            ("channel", "external_id"), "the chat it goes to: one of their accounts, exported"
        ),
        "attempts": "how often sending it was tried, for the queue's retries",
    },
    "offered_command": dict.fromkeys(
        ("channel", "external_id", "offered_at", "buttons"),
        "the buttons (not the text) last offered to a chat, kept 24 hours so typed words "
        "can run them",
    ),
}


async def schema(db_path: Path) -> set[tuple[str, str]]:
    """Every (table, column) of the migrated database."""
    found = set()
    async with aiosqlite.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
        tables = await conn.execute_fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        for (table,) in tables:
            for column in await conn.execute_fetchall(f'PRAGMA table_info("{table}")'):
                found.add((table, column[1]))  # (cid, name, type, notnull, default, pk)
    return found


def listed(mapping: dict[str, dict[str, str]]) -> set[tuple[str, str]]:
    return {(table, column) for table, columns in mapping.items() for column in columns}


async def test_every_stored_column_is_exported_or_left_out_on_purpose(
    db: Database, db_path: Path
) -> None:
    exported, left_out = listed(EXPORTED), listed(LEFT_OUT)
    assert not exported & left_out
    columns = await schema(db_path)  # `db` has migrated it
    unlisted = sorted(columns - exported - left_out)
    assert unlisted == [], f"decide whether /export shows these, and list them here: {unlisted}"
    assert sorted((exported | left_out) - columns) == []  # nothing listed that isn't there


def places(data: Any, path: str) -> list[Any]:
    """The values at `path` ("a.b[].c") in the export; a list on the way must not be empty."""
    values = [data]
    for part in path.split("."):
        many = part.endswith("[]")
        key = part.removesuffix("[]")
        following = []
        for value in values:
            assert isinstance(value, dict) and key in value, f"{path}: no {key!r}"
            if many:
                assert value[key], f"{path}: {key!r} is empty, so nothing shows it"
                following.extend(value[key])
            else:
                following.append(value[key])
        values = following
    return values


async def test_every_exported_column_is_in_a_full_export(db: Database, clock: ManualClock) -> None:
    """A person who has done everything: member, volunteer and admin."""
    now = clock.now()
    later = now + timedelta(days=1)
    async with db.transaction() as tx:
        me = await tx.members.create_for_account(Account("console", "1"), timezone="UTC", now=now)
        peer = await tx.members.create_for_account(
            Account("console", "2"), timezone="UTC", now=now
        )
        other = await tx.members.create_for_account(
            Account("console", "3"), timezone="UTC", now=now
        )
        await tx.members.rename(me.id, "Quiet Heron")
        await tx.members.record_consent(me.id, version=1, now=now)
        await tx.members.grant_admin(me.id)
        await tx.volunteers.add(peer.id, display_name="Sam", topics=(), capacity=1, now=now)
        await tx.volunteers.add(me.id, display_name="Heron", topics=("talk",), capacity=2, now=now)
        await tx.volunteers.add_shift(me.id, weekday=0, starts="18:00", ends="20:00")
        await tx.checkins.record_mood(
            me.id, local_date=date(2026, 11, 22), mood=2, tags=("sleep",), helped="a walk", now=now
        )
        answers = ConnectionCheckin(date(2026, 11, 22), 2, 2, 2, 6, 1)
        await tx.checkins.record_connection(
            me.id, local_date=date(2026, 11, 22), answers=answers, now=now
        )
        await tx.recovery.set(
            me.id,
            date(2026, 3, 1),
            celebrated_through=date(2026, 11, 22),
            next_at=later,
            now=now,
        )
        await tx.digests.turn_on(me.id, now=now, next_at=later)
        assert await tx.digests.claim_week(me.id, date(2026, 11, 16), later)
        for step in ("warning_signs", "coping", "distractions", "people_to_ask"):
            await tx.safety_plans.save_step(me.id, step, (f"my {step}",), now=now)
        for step in ("reasons_for_living", "professionals", "safer_space"):
            await tx.safety_plans.save_step(me.id, step, (f"my {step}", "more"), now=now)
        await tx.conversations.save(
            me.id,
            flow="checkin",
            step="mood",
            data=json.dumps({"_question": {"text": "How are you?"}, "mood": 2}),
            token=5,
            expires_at=later,
            now=now,
        )
        walk = await tx.events.create(
            EventFields(
                title="Walk",
                place="Park",
                description=None,
                starts_at=later,
                ends_at=None,
                tags=(),
                capacity=None,
            ),
            uid="walk",
            created_by=me.id,
            now=now,
        )
        await tx.events.answer(
            walk,
            me.id,
            answer=RsvpAnswer.GOING,
            now=now,
            stage=ReminderStage.DAY_BEFORE,
            due_at=now,
        )
        others_answer = await tx.events.answer(
            walk, other.id, answer=RsvpAnswer.GOING, now=now, stage=None, due_at=None
        )
        await tx.events.request_buddy(others_answer.id)
        assert await tx.events.claim_buddy(others_answer.id, me.id)
        await tx.events.record_nudge(me.id, walk, reasons=(NudgeReason.LONELY,), now=now)
        await tx.audit.record(str(me.id), "event.create", walk, now)
        await tx.audit.record(str(other.id), "volunteer.suspend", me.id, now)
        weekly = await tx.events.create_series(
            EventFields(
                title="Tuesday meeting",
                place="Hall",
                description=None,
                starts_at=later,
                ends_at=None,
                tags=(),
                capacity=None,
            ),
            uid="tuesdays",
            source="admin",
            timezone="UTC",
            rule="weekly 1 1",
            local_time="19:00",
            length_minutes=None,
            first_date=later.date(),
            expanded_until=now,
            created_by=me.id,
            now=now,
        )
        await tx.events.answer_for_series(weekly, me.id, now=now)
        asked = await tx.handoffs.request(
            me.id,
            alias="Quiet Heron",
            priority=Priority.LOW_MOOD,
            topic="low",
            now=now,
            escalate_at=later,
        )
        await tx.handoffs.keep_words(asked, "my own words", topic=True)
        await tx.handoffs.keep_words(asked, "are you there?", message_ref="42")
        assert await tx.handoffs.claim(asked, peer.id, now)
        for side in (ChatSide.VOLUNTEER, ChatSide.MEMBER):
            await tx.safety.record_report(
                asked,
                reported_by=side,
                reason=ReportReason.UNSAFE,
                words="they scared me" if side is ChatSide.MEMBER else "rude",
                now=now,
                passed_on=True,
            )
        held = await tx.handoffs.request(
            other.id,
            alias="Bright Oak",
            priority=Priority.ORDINARY,
            topic=None,
            now=now,
            escalate_at=None,
        )
        assert await tx.handoffs.claim(held, me.id, now)
        await tx.safety.record_report(
            held,
            reported_by=ChatSide.MEMBER,
            reason=ReportReason.OTHER,
            words=None,
            now=now,
            passed_on=True,
        )
        await tx.safety.record_event(
            me.id,
            tier=2,
            rule_ids=("t2.passive", "mod.past"),
            detector_version="lexicon-2",
            source=SafetySource.CHAT,
            now=now,
            message_ref="41",
        )
        sent = await tx.broadcasts.create(
            author_id=me.id,
            author=Account("console", "1"),
            text="Tonight's meeting moved to the library.",
            audience="members",
            channel="console",
            time_critical=True,
            now=now,
        )
        await tx.broadcasts.add_recipients(
            sent, [NewRecipient(me.id, Account("console", "1"), "queued", later, deferred=True)]
        )
        await tx.broadcasts.cancel(sent, now)
        await tx.volunteers.create_invite("code-1", role=Role.VOLUNTEER, now=now, expires_at=later)
        assert await tx.volunteers.redeem_invite(invite_digest("code-1"), me.id, now)
        member = await tx.members.get(me.id)
        assert member is not None
        data = await member_export(tx, member, now)

    for table, columns in EXPORTED.items():
        for column, path in columns.items():
            assert places(data, path), f"{table}.{column}: {path}"
    assert data["profile"]["chosen_name"] == "Quiet Heron"
    for step, key in EXPORTED["safety_plan"].items():
        if not step.endswith("_at"):
            assert places(data, key)[0][0] == f"my {step}"  # each step under its own title
    # A report of a chat Heron held would point at the member who made it: not exported.
    assert "reports_of_chats_you_held" not in data["volunteer"]
    # The volunteer's words in their report are theirs: not exported to the member.
    at = "2026-11-22T14:00:00Z"
    why = "They made me feel unsafe"
    assert data["peer_chats"][0]["reports"] == [
        {
            "at": at,
            "by": "the peer volunteer",
            "reason": why,
            "your_words": None,
            "passed_to_the_admins_at": at,
        },
        {"at": at, "by": "you", "reason": why, "your_words": "they scared me",
         "passed_to_the_admins_at": at},
    ]  # fmt: skip
    assert data["events_where_you_meet_a_member"] == [
        {"event": "Walk", "starts_at": "2026-11-23T14:00:00Z"}
    ]
    # What Heron did as staff, without the rows acted on; what others did to Heron, not.
    assert data["actions_you_took_as_staff"] == [
        {"action": "event.create", "at": "2026-11-22T14:00:00Z"}
    ]
    # Of the member Heron meets, and of the chat Heron held, nothing.
    assert "Bright Oak" not in json.dumps(data, ensure_ascii=False)


def test_every_pattern_and_modifier_of_the_safety_check_has_a_meaning() -> None:
    raw = (Path(__file__).parents[2] / "flows" / "safety" / "crisis" / "patterns.toml").read_text(
        "utf-8"
    )
    ids = {rule["id"] for rule in tomllib.loads(raw)["rule"]}
    assert len(ids) >= 11
    for said in ("i don't want to die", "i wanted to die years ago", "my friend wants to die"):
        ids |= set(assess(said).rule_ids)
    assert {"mod.negated", "mod.past", "mod.third_party"} <= ids
    for rule_id in ids:
        assert rule_meaning(rule_id) != UNKNOWN, rule_id
    assert rule_meaning("t0.retired") == UNKNOWN


async def test_the_guards_own_rule_ids_are_exported_with_their_meaning(
    engine: Engine, clock: ManualClock
) -> None:
    """Yes, "not sure" and no answer to "are you thinking about ending your life?"."""
    exports = []
    for number, answer in (("11", "yes"), ("12", "unsure"), ("13", None)):
        chat = ChatDriver(engine, Account("console", number))
        await chat.say("everyone would be better off without me")
        if answer is not None:
            await chat.tap(answer)
        else:
            clock.advance(timedelta(hours=1))
            await Sweeper(engine).sweep()
        replies = await chat.say("/export")
        [document] = [r.document for r in replies if r.document is not None]
        exports.append(json.loads(document.data))
    stored = [
        [rule["id"] for event in data["safety_events"] for rule in event["rules"]]
        for data in exports
    ]
    assert [ids[-1] for ids in stored] == ["confirm.yes", "confirm.unsure", "silence.after_check"]
    for data in exports:
        for event in data["safety_events"]:
            assert event["rules"] and all(r["meaning"] != UNKNOWN for r in event["rules"])
