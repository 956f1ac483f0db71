"""/safetyplan driven through the flow engine: building it with skips, the typed items,
editing, starting over, deleting, /cancel part way, and the plan in crisis replies — to its
owner only, first, and never in anyone else's messages."""

import dataclasses
import json
import logging
import random
from typing import Any

import pytest

from bot.app import known_channels
from bot.logs import configure_logging
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.engine import Engine
from flows.core.limits import Rate, RateLimiter
from flows.core.values import Reply
from flows.safety.crisis.resources import CrisisResources
from flows.safety.plan import (
    MAX_CHARS,
    MAX_ITEMS,
    NOT_AN_OPTION,
    NOTHING_HEARD,
    TOO_LONG,
    TOO_MANY,
    parse_items,
)
from storage import Account, Database, SafetyPlan
from storage.safety_plans import SafetyPlanRepository
from tests.chat_driver import ChatDriver, Room

ADMIN = Account("console", "900")
MEMBER = Account("console", "1")
OTHER = Account("console", "2")
VOLUNTEER = Account("console", "21")
TIER1 = "honestly i want to die"
TIER2 = "no reason to live"
OVERDOSE = "I took all my pills"
US = CrisisResources.for_deployment("US")


@pytest.fixture
def guarded(db: Database, clock: ManualClock, flow_config: FlowConfig) -> Engine:
    config = dataclasses.replace(flow_config, admins=frozenset({"console:900"}), crisis_lines=US)
    # Out of reach: these tests type faster than a person (test_limits.py holds the limits).
    unlimited = RateLimiter(Rate(burst=1_000_000, per_second=1_000_000))
    return create_engine(
        db, clock, config, rng=random.Random(3), limits=unlimited, channels=known_channels()
    )


async def plan_of(db: Database, account: Account) -> SafetyPlan | None:
    async with db.transaction() as tx:
        member = await tx.members.find_by_account(account)
        assert member is not None
        return await tx.safety_plans.get(member.id)


async def build(chat: ChatDriver) -> list[Reply]:
    """A plan with steps 2 and 7 skipped and the crisis lines added to step 6."""
    await chat.say("/safetyplan")
    assert "Step 1 of 7 — Warning signs" in chat.last_text()
    await chat.say("pacing at night\nnot answering my phone, for days")
    await chat.tap("Skip")
    await chat.say("the allotment, my cousin Marguerite")
    await chat.say("sponsor Jo 555 0142")
    await chat.say("• my daughter Ottoline\n• the sea\n• the sea")
    assert "Add these lines" in [c.label for c in chat.question.choices]
    await chat.tap("Add these lines")
    await chat.say("Dr Lindqvist 555 0199")
    return await chat.tap("Skip")


async def test_building_a_plan_with_skips_saves_every_answer(
    guarded: Engine, db: Database
) -> None:
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    [done] = await build(chat)
    plan = await plan_of(db, MEMBER)
    assert plan is not None
    # New lines separate items (a comma inside a line stays); otherwise commas do.
    assert plan.items("warning_signs") == ("pacing at night", "not answering my phone, for days")
    assert plan.items("coping") == ()  # skipped
    assert plan.items("distractions") == ("the allotment", "my cousin Marguerite")
    assert plan.items("people_to_ask") == ("sponsor Jo 555 0142",)
    assert plan.items("reasons_for_living") == ("my daughter Ottoline", "the sea")  # bullets go
    lines = plan.items("professionals")
    assert lines[0] == "If you are in danger right now, call 911."
    assert "988 Suicide & Crisis Lifeline — call or text 988, chat 988lifeline.org (24/7)" in lines
    assert lines[-1] == "Dr Lindqvist 555 0199"
    assert plan.items("safer_space") == ()
    assert plan.filled == 5
    assert done.text.startswith("That's your safety plan, saved.")
    assert "2. Things that help me cope on my own\n(nothing here yet)" in done.text
    assert "5. My reasons for living\n• my daughter Ottoline\n• the sea" in done.text
    assert [c.label for c in done.choices] == ["Edit a step", "Start over", "Delete the plan"]
    # Shown again, as it is, with the same buttons.
    [shown] = await chat.say("/safetyplan")
    assert shown.text.startswith("🧭 Your safety plan") and "Marguerite" in shown.text
    assert shown.choices == done.choices


def test_typed_items_are_tidied_and_kept_within_bounds() -> None:
    assert parse_items("  a walk ,  music,,  ") == ("a walk", "music")
    assert parse_items("1. my kids\n2) my dog\n\n- spring") == ("my kids", "my dog", "spring")
    assert parse_items("tea\twith   Sam") == ("tea with Sam",)
    assert parse_items(" , ,\n ") == NOTHING_HEARD
    assert parse_items("2") == NOT_AN_OPTION  # a mistyped option number
    assert parse_items("0800 123 456") == ("0800 123 456",)  # a phone number is an item
    assert parse_items("x" * (MAX_CHARS + 1)) == TOO_LONG
    assert parse_items("x" * MAX_CHARS) == ("x" * MAX_CHARS,)
    assert parse_items(",".join(str(n) + "a" for n in range(MAX_ITEMS + 1))) == TOO_MANY


async def test_a_too_long_answer_is_asked_again_kindly_and_changes_nothing(
    guarded: Engine, db: Database
) -> None:
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await chat.say("/safetyplan")
    [again] = await chat.say("word " * 80)
    assert again.text.startswith(TOO_LONG) and "Step 1 of 7" in again.text
    assert await plan_of(db, MEMBER) is None
    await chat.say(" , ")
    assert chat.last_text().startswith(NOTHING_HEARD)
    await chat.say("not sleeping")  # the same question still takes the answer
    assert "Step 2 of 7" in chat.last_text()
    plan = await plan_of(db, MEMBER)
    assert plan is not None and plan.items("warning_signs") == ("not sleeping",)


async def test_cancel_part_way_keeps_the_steps_saved_and_says_so(
    guarded: Engine, db: Database
) -> None:
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await chat.say("/safetyplan")
    [stopped] = await chat.say("/cancel")
    assert "Nothing was saved yet" in stopped.text
    assert await plan_of(db, MEMBER) is None
    await chat.say("/safetyplan")
    await chat.say("not sleeping")
    await chat.tap("Skip")
    await chat.say("my sister")
    [stopped] = await chat.say("/cancel")
    assert "Your plan keeps the 2 steps you've filled in so far" in stopped.text
    assert "Nothing from it was saved" not in stopped.text
    plan = await plan_of(db, MEMBER)
    assert plan is not None and plan.filled == 2
    [shown] = await chat.say("/safetyplan")
    assert "• not sleeping" in shown.text and "• my sister" in shown.text


async def test_edit_keep_and_clear_one_step(guarded: Engine, db: Database) -> None:
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await build(chat)
    await chat.tap("Edit a step")
    assert chat.last_text() == "Which step would you like to change?"
    await chat.tap("My reasons for living")
    asked = chat.last_text()
    assert "Right now it says:\n• my daughter Ottoline\n• the sea" in asked
    assert [c.label for c in chat.question.choices] == ["Keep as it is", "Clear this step"]
    [saved] = await chat.say("my daughter Ottoline\nbeing there for her wedding")
    assert saved.text.startswith("Saved.")
    plan = await plan_of(db, MEMBER)
    assert plan is not None
    assert plan.items("reasons_for_living") == (
        "my daughter Ottoline",
        "being there for her wedding",
    )
    assert plan.items("distractions") == ("the allotment", "my cousin Marguerite")  # untouched
    await chat.say("/safetyplan edit 2")  # a step can be named by its number, too
    assert "Step 2 of 7 — Things that help me cope on my own" in chat.last_text()
    [kept] = await chat.tap("Skip")
    assert kept.text.startswith("Nothing changed.")
    await chat.say("/safetyplan edit 3")
    await chat.tap("Clear this step")
    plan = await plan_of(db, MEMBER)
    assert plan is not None and plan.items("distractions") == ()
    await chat.say("/safetyplan edit 5")
    [kept] = await chat.tap("Keep as it is")
    assert "being there for her wedding" in kept.text
    await chat.say("/safetyplan edit")
    [left] = await chat.tap("Never mind")
    assert left.text.startswith("Okay, your plan is as it was")


async def test_cancel_while_editing_says_what_was_kept(guarded: Engine, db: Database) -> None:
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await build(chat)
    await chat.say("/safetyplan edit 1")
    [stopped] = await chat.say("/cancel")
    assert stopped.text == "Okay, I've stopped. Your safety plan is as it was."
    await chat.say("/safetyplan edit 6")
    await chat.tap("Add these lines")  # saved at once: the lines alone, now
    [stopped] = await chat.say("/cancel")
    assert "What you changed is saved" in stopped.text
    plan = await plan_of(db, MEMBER)
    assert plan is not None and "Dr Lindqvist 555 0199" not in plan.items("professionals")


async def test_start_over_and_delete_ask_first(guarded: Engine, db: Database) -> None:
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await build(chat)
    await chat.tap("Delete the plan")
    assert "Delete your safety plan?" in chat.last_text()
    await chat.tap("No, keep it")
    assert await plan_of(db, MEMBER) is not None
    await chat.say("/safetyplan")
    await chat.tap("Start over")
    await chat.tap("No, keep my plan")
    plan = await plan_of(db, MEMBER)
    assert plan is not None and plan.filled == 5
    await chat.say("/safetyplan new")
    await chat.tap("Yes, start over")
    assert "Step 1 of 7" in chat.last_text()
    assert await plan_of(db, MEMBER) is None  # cleared, as the question said
    await chat.say("wanting to drink")
    [stopped] = await chat.say("/cancel")
    assert "the step you've filled in" in stopped.text
    await chat.say("/safetyplan delete")
    [gone] = await chat.tap("Yes, delete it")
    assert gone.text.startswith("Done — your safety plan is deleted.")
    assert await plan_of(db, MEMBER) is None
    [nothing] = await chat.say("/safetyplan delete")
    assert "there's nothing to delete" in nothing.text


async def test_skipping_everything_saves_nothing(guarded: Engine, db: Database) -> None:
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await chat.say("/safetyplan")
    for _ in range(7):
        await chat.tap("Skip")
    assert chat.last_text().startswith("You skipped every step, so nothing is saved yet")
    assert await plan_of(db, MEMBER) is None


async def test_for_members_who_finished_sign_up(guarded: Engine, db: Database) -> None:
    chat = ChatDriver(guarded, OTHER)
    [refused] = await chat.say("/safetyplan")
    assert refused.text.startswith("Let's get you set up first")
    await chat.onboard()
    [help_text] = await chat.say("/help")
    assert "/safetyplan — your own safety plan, for harder moments" in help_text.text


async def test_a_tier1_reply_shows_the_plan_first_and_stays_urgent(
    guarded: Engine, db: Database
) -> None:
    room = Room(guarded)
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await build(chat)
    outcome = await room.say(MEMBER, TIER1)
    first = outcome.deliveries[0]
    assert first.account == MEMBER and first.reply.urgent
    assert first.reply.text.startswith(
        "Your plan says:\n"
        "• Your reasons for living: my daughter Ottoline, the sea\n"
        "• People you can ask for help: sponsor Jo 555 0142\n\n"
        "I'm really glad you told me."
    )
    assert "988 Suicide & Crisis Lifeline" in first.reply.text and "call 911" in first.reply.text
    for account, messages in room.mail.items():
        if account != MEMBER:
            assert not any("Ottoline" in r.text or "Jo 555" in r.text for r in messages)
    assert "URGENT" in room.texts(ADMIN)


async def test_an_overdose_keeps_the_emergency_number_first(guarded: Engine) -> None:
    room = Room(guarded)
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await build(chat)
    outcome = await room.say(MEMBER, OVERDOSE)
    text = outcome.deliveries[0].reply.text
    assert text.startswith("If you or someone with you may have taken too much, call 911 now")
    assert text.index("Your plan says:") < text.index("I'm an automated assistant")


async def test_tier2_shows_the_plan_first_and_offers_one_to_those_without(
    guarded: Engine,
) -> None:
    room = Room(guarded)
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await ChatDriver(guarded, OTHER).onboard()
    await room.say(OTHER, TIER2)
    assert "Your plan says" not in room.texts(OTHER)
    await room.tap(OTHER, "No")
    assert room.inbox(OTHER)[-1].text.endswith("who to reach: /safetyplan")
    await build(chat)
    await room.say(MEMBER, TIER2)
    lines, question = room.inbox(MEMBER)[-2:]
    assert lines.text.startswith("Your plan says:\n• Your reasons for living: my daughter")
    assert question.text == "Are you thinking about ending your life?"
    await room.tap(MEMBER, "No")
    assert "/safetyplan" not in room.inbox(MEMBER)[-1].text  # they have one


async def test_someone_without_a_row_or_sign_up_still_gets_the_crisis_reply(
    guarded: Engine, db: Database
) -> None:
    room = Room(guarded)
    outcome = await room.say(OTHER, TIER1)  # a stranger: the guard makes a bare row
    first = outcome.deliveries[0].reply
    assert first.urgent and first.text.startswith("I'm really glad you told me.")
    await room.say(OTHER, "/safetyplan")
    assert "set up first" in room.inbox(OTHER)[-1].text


async def test_a_broken_plan_never_stops_the_crisis_reply(
    guarded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = Room(guarded)
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await build(chat)

    async def broken(self: SafetyPlanRepository, member_id: int) -> None:
        raise RuntimeError("disk trouble")

    monkeypatch.setattr(SafetyPlanRepository, "get", broken)
    outcome = await room.say(MEMBER, TIER1)
    first = outcome.deliveries[0].reply
    assert first.urgent and first.text.startswith("I'm really glad you told me.")
    assert "URGENT" in room.texts(ADMIN)  # the whole route, not the guard's fallback
    assert "could not open their request" not in room.texts(ADMIN)


async def test_a_volunteers_own_plan_is_shown_to_them_alone(
    guarded: Engine, db: Database, clock: ManualClock
) -> None:
    room = Room(guarded)
    await room.say(ADMIN, "/invite")
    code = room.inbox(ADMIN)[-1].text.split("/volunteer ", 1)[1].split()[0]
    await room.say(VOLUNTEER, f"/volunteer {code}")
    await room.say(VOLUNTEER, "Sam")
    await room.tap(VOLUNTEER, "Done")
    await room.tap(VOLUNTEER, "1 chat")
    await room.say(VOLUNTEER, "UTC")
    await room.say(VOLUNTEER, "/oncall")
    async with db.transaction() as tx:
        sam = await tx.members.find_by_account(VOLUNTEER)
        assert sam is not None
        await tx.safety_plans.save_step(
            sam.id, "people_to_ask", ("my brother Teodor",), now=clock.now()
        )
    await ChatDriver(guarded, MEMBER).onboard()
    await room.say(MEMBER, "/talk")
    await room.tap(MEMBER, "Skip")
    await room.tap(VOLUNTEER, "Accept")
    outcome = await room.say(VOLUNTEER, TIER1)
    first = outcome.deliveries[0]
    assert first.account == VOLUNTEER and first.reply.urgent
    assert "This is just for you" in first.reply.text
    assert "• People you can ask for help: my brother Teodor" in first.reply.text
    assert "Teodor" not in room.texts(MEMBER) and "Teodor" not in room.texts(ADMIN)


async def test_the_whole_plan_fits_one_message(guarded: Engine, db: Database) -> None:
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    full = ",".join(f"{n}" + "x" * (MAX_CHARS // MAX_ITEMS - 3) for n in range(MAX_ITEMS))
    assert len(full) <= MAX_CHARS and len(parse_items(full)) == MAX_ITEMS
    await chat.say("/safetyplan")
    for step in range(7):
        if step == 5:
            await chat.tap("Add these lines")
        await chat.say(full)
    plan = await plan_of(db, MEMBER)
    assert plan is not None and plan.filled == 7
    [shown] = await chat.say("/safetyplan")
    assert len(shown.text) < 4096 - 300  # Telegram's limit, with room to spare


async def test_export_holds_the_plan_and_delete_removes_it(guarded: Engine, db: Database) -> None:
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await build(chat)
    replies = await chat.say("/export")
    [document] = [r.document for r in replies if r.document is not None]
    data: dict[str, Any] = json.loads(document.data)
    plan = data["safety_plan"]
    assert plan["my_reasons_for_living"] == ["my daughter Ottoline", "the sea"]
    assert plan["things_that_help_me_cope_on_my_own"] == []
    assert plan["professionals_and_lines_to_call"][-1] == "Dr Lindqvist 555 0199"
    await chat.say("/delete")
    assert "your safety plan" in chat.last_text()
    await chat.tap("Yes, delete everything")
    async with db.transaction() as tx:
        assert await tx.members.count() == 0
    async with db.single_statement() as tx:
        # Gone by cascade with the member row: no plan of anyone's is left.
        assert await tx.safety_plans.get(1) is None


async def test_the_plans_words_are_never_logged(
    guarded: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    configure_logging("DEBUG")  # the most talkative setting an operator can choose
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await build(chat)
    await chat.say("/safetyplan edit 5")
    await chat.say("Ottoline's laugh")
    await chat.say(TIER1)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "safety_plan member=1 step=reasons_for_living action=saved" in logged
    for words in ("Ottoline", "Marguerite", "Jo 555", "Lindqvist", "pacing"):
        assert words not in logged


async def test_words_the_guard_acts_on_are_not_saved_into_the_plan(
    guarded: Engine, db: Database
) -> None:
    room = Room(guarded)
    chat = ChatDriver(guarded, MEMBER)
    await chat.onboard()
    await chat.say("/safetyplan")
    await chat.say("not sleeping")
    await room.say(MEMBER, TIER2)  # where step 2's answer would go
    assert room.inbox(MEMBER)[-1].text == "Are you thinking about ending your life?"
    plan = await plan_of(db, MEMBER)
    assert plan is not None and plan.filled == 1  # step 1 kept, the words not saved
    assert all(TIER2 not in item for items in plan.steps.values() for item in items)
    await room.tap(MEMBER, "No")
    assert "/safetyplan" not in room.inbox(MEMBER)[-1].text  # they have begun one
