"""The fake Bot API server, driven by the real python-telegram-bot client over HTTP."""

import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
)

from tests.fake_telegram import FakeTelegram, MenuCall, Upload, load_spec
from tests.fake_telegram.make_subset import METHODS

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123:ABC"
ALEX, SAM = 4242, 5151
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture(autouse=True)
def timedelta_durations(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB warns about int durations (RetryAfter) unless it is told to use timedelta.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN) as server:
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as client:
        yield client


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=label.lower()) for label in labels]]
    )


async def post(
    url: str, *, data: dict[str, str] | None = None, json_body: Any = None
) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, json=json_body) as response,
    ):
        return response.status, await response.json()


def api(fake: FakeTelegram, method: str) -> str:
    return f"{fake.base_url}{fake.token}/{method}"


async def test_get_me_describes_the_bot(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123, True, "hearthside_test_bot")
    assert me.can_join_groups is True
    assert load_spec().check_object("User", fake.calls_to("getMe")[-1].result) == []


def test_the_subset_describes_what_the_bot_uses() -> None:
    spec = load_spec()
    # The committed subset is what make_subset.py builds from its lists.
    assert set(spec.returns) == set(METHODS)
    used = {
        "getMe",
        "getUpdates",
        "deleteWebhook",
        "setMyCommands",
        "sendMessage",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "deleteMessage",
        "answerCallbackQuery",
        "copyMessage",
        "sendPhoto",
        "sendDocument",
        "getFile",
        "forwardMessage",  # served and recorded, so a test can assert it is never called
    }
    assert used <= set(METHODS)
    assert "protect_content" in {field.name for field in spec.fields("copyMessage")}


async def test_unknown_method_is_404_and_unimplemented_method_is_400(
    fake: FakeTelegram, bot: Bot
) -> None:
    status, body = await post(api(fake, "flyToTheMoon"), data={"chat_id": "42"})
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("fly_to_the_moon")
    # Before getMe has succeeded PTB cannot tell a bad method from a bad token.
    fresh = Bot(TOKEN, base_url=fake.base_url)
    try:
        with pytest.raises(InvalidToken):
            await fresh.do_api_request("fly_to_the_moon")
    finally:
        await fresh.request.shutdown()  # Bot.shutdown() skips a bot never initialized

    # PTB strips "Bad Request: " and capitalize()s the rest, lower-casing the method name.
    with pytest.raises(BadRequest, match="does not implement sendpoll"):
        await bot.send_poll(ALEX, "Mood?", ["Good", "Bad"])
    # Telegram matches method names case-insensitively.
    status, body = await post(api(fake, "GETME"))
    assert status == 200 and body["result"]["username"] == "hearthside_test_bot"


async def test_missing_field_and_wrong_token_are_refused(fake: FakeTelegram) -> None:
    status, body = await post(api(fake, "sendMessage"), data={"chat_id": "42"})
    assert (status, body["description"]) == (400, "Bad Request: text is required")
    status, body = await post(f"{fake.base_url}999:WRONG/getMe")
    assert (status, body["description"]) == (401, "Unauthorized")
    assert [c.status for c in fake.calls] == [400, 401]


async def test_edits_apply_to_the_stored_message(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(ALEX, "How are you?", reply_markup=keyboard("Good", "Low"))
    assert fake.message(ALEX, sent.message_id).buttons == [("Good", "good"), ("Low", "low")]

    edited = await bot.edit_message_text("How are you? → Good", ALEX, sent.message_id)
    assert isinstance(edited, Message) and edited.text == "How are you? → Good"
    [current] = fake.messages(ALEX)
    # Editing the text without reply_markup drops the keyboard, as on Telegram.
    assert (current.text, current.reply_markup, current.edited) == (edited.text, None, True)
    with pytest.raises(BadRequest, match=r"^Message is not modified: specified new message"):
        await bot.edit_message_text("How are you? → Good", ALEX, sent.message_id)

    await bot.edit_message_reply_markup(ALEX, sent.message_id, reply_markup=keyboard("Undo"))
    assert fake.keyboard(fake.message(ALEX, sent.message_id)) == [("Undo", "undo")]
    with pytest.raises(BadRequest, match="not modified"):
        await bot.edit_message_reply_markup(ALEX, sent.message_id, reply_markup=keyboard("Undo"))
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Hello?", ALEX, 999)

    await bot.delete_message(ALEX, sent.message_id)
    assert fake.messages(ALEX) == []
    # What was shown stays in the transcript, edits included.
    assert fake.transcript(ALEX) == ["bot: How are you?", "bot (edited): How are you? → Good"]
    # A bot may delete a message only within 48 hours of sending it.
    old = await bot.send_message(ALEX, "Two days ago")
    fake.age_messages(ALEX, hours=48)
    with pytest.raises(BadRequest, match="Message can't be deleted"):
        await bot.delete_message(ALEX, old.message_id)
    assert fake.message(ALEX, old.message_id).text == "Two days ago"


async def test_long_poll_wakes_at_once_on_an_injected_update(fake: FakeTelegram, bot: Bot) -> None:
    # A poll that would hold for an hour: it can only have returned because the update
    # woke it (the guard below only stops a hung test; nothing here is timed).
    poll = asyncio.create_task(bot.get_updates(timeout=3600, read_timeout=3700))
    await fake.wait_for_call_started("getUpdates")
    update_id = fake.user_sends(ALEX, "/start from-flyer", first_name="River")
    [update] = await asyncio.wait_for(poll, timeout=60)
    assert update.update_id == update_id and update.message is not None
    assert update.message.text == "/start from-flyer"
    assert update.message.chat.id == ALEX and update.message.from_user is not None
    assert update.message.from_user.first_name == "River"
    assert update.message.parse_entities() == {update.message.entities[0]: "/start"}


async def test_only_confirmed_updates_are_forgotten(fake: FakeTelegram, bot: Bot) -> None:
    first = fake.user_sends(ALEX, "one")
    second = fake.user_sends(SAM, "two")
    third = fake.user_sends(ALEX, "three")

    fetched = await bot.get_updates(timeout=0)
    assert [u.update_id for u in fetched] == [first, second, third]
    # Fetched without an offset confirms nothing: the next poller gets them again.
    assert [u.update_id for u in await bot.get_updates(timeout=0, limit=2)] == [first, second]
    assert fake.pending_update_ids() == [first, second, third]

    assert [u.update_id for u in await bot.get_updates(offset=second + 1)] == [third]
    assert (fake.confirmed_offset, fake.pending_update_ids()) == (second + 1, [third])
    assert await bot.get_updates(offset=third + 1) == ()
    assert fake.pending_update_ids() == []

    fake.redeliver(second)  # a duplicate, as when a confirmation was lost
    [again] = await bot.get_updates(offset=third + 1)
    assert again.update_id == second and again.message is not None
    assert again.message.text == "two"


async def test_a_newer_poll_ends_the_older_one_with_conflict(fake: FakeTelegram, bot: Bot) -> None:
    older = asyncio.create_task(bot.get_updates(timeout=10))
    await fake.wait_for_call_started("getUpdates")
    status, body = await post(api(fake, "getUpdates"), data={"timeout": "0"})
    assert (status, body["result"]) == (200, [])
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await older


async def test_429_carries_retry_after_and_the_next_call_succeeds(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.fail_next("sendMessage", "429", retry_after=3, chat_id=ALEX)
    await bot.send_message(SAM, "Sam is not throttled")
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(ALEX, "Hello")
    assert caught.value.retry_after == timedelta(seconds=3)
    await bot.send_message(ALEX, "Hello")

    assert [c.status for c in fake.calls_to("sendMessage", chat_id=ALEX)] == [429, 200]
    assert fake.calls_to("sendMessage", chat_id=ALEX)[0].description == (
        "Too Many Requests: retry after 3"
    )
    assert [m.text for m in fake.messages(ALEX)] == ["Hello"]


async def test_server_errors_and_timeouts(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", "500")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(ALEX, "one")

    fake.fail_next("sendMessage", "timeout")
    with pytest.raises(TimedOut):
        await bot.send_message(ALEX, "two", read_timeout=0.2)
    assert fake.messages(ALEX) == []  # a request that never got through did nothing

    fake.fail_next("sendMessage", "lost_response")
    with pytest.raises(TimedOut):
        await bot.send_message(ALEX, "three", read_timeout=0.2)
    assert [m.text for m in fake.messages(ALEX)] == ["three"]  # done, but the reply was lost

    await bot.send_message(ALEX, "four")
    assert [m.text for m in fake.messages(ALEX)] == ["three", "four"]


async def test_blocking_sends_my_chat_member_and_then_403(fake: FakeTelegram, bot: Bot) -> None:
    blocked = fake.user_blocks_bot(ALEX)
    [update] = await bot.get_updates(offset=0)
    assert update.update_id == blocked and update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "kicked"
    assert update.my_chat_member.new_chat_member.user.id == 123

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALEX, "Still there?")
    await bot.send_message(SAM, "Others still hear from us")

    fake.user_unblocks_bot(ALEX)
    await bot.send_message(ALEX, "Welcome back")
    assert [m.text for m in fake.messages(ALEX)] == ["Welcome back"]


async def test_uploads_are_recorded_and_downloadable(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_photo(ALEX, PNG, caption="Your week", protect_content=True)
    call = fake.calls_to("sendPhoto")[0]
    assert isinstance(call.params["photo"], Upload) and call.params["photo"].data == PNG
    assert call.params["caption"] == "Your week"
    [photo] = fake.messages(ALEX)
    assert (photo.kind, photo.caption, photo.protect_content) == ("photo", "Your week", True)
    assert photo.file is not None and photo.file.data == PNG

    file = await bot.get_file(sent.photo[-1].file_id)
    assert bytes(await file.download_as_bytearray()) == PNG

    await bot.send_document(SAM, b"date,mood\n", filename="moods.csv", caption="Export")
    [document] = fake.messages(SAM)
    assert document.kind == "document" and document.file is not None
    assert (document.file.filename, document.raw["document"]["file_name"]) == ("moods.csv",) * 2
    assert fake.transcript(SAM) == ["bot: [document] Export"]


async def test_copy_carries_no_trace_of_the_sender(fake: FakeTelegram, bot: Bot) -> None:
    update_id = fake.user_sends(ALEX, "I had a rough day", first_name="Alex", username="alex_r")
    message_id = fake.update(update_id)["message"]["message_id"]

    copied = await bot.copy_message(SAM, ALEX, message_id, protect_content=True)
    [copy] = fake.messages(SAM)
    assert copy.message_id == copied.message_id
    assert (copy.kind, copy.text, copy.source) == ("copy", "I had a rough day", (ALEX, message_id))
    assert copy.protect_content and "forward_origin" not in copy.raw
    assert str(ALEX) not in json.dumps(copy.raw) and "alex_r" not in json.dumps(copy.raw)
    assert fake.transcript(SAM) == ["bot: I had a rough day"]
    assert fake.calls_to("forwardMessage") == []

    # A protected copy cannot travel further; a forward, by contrast, names its origin.
    with pytest.raises(BadRequest, match="can't be copied"):
        await bot.copy_message(ALEX, SAM, copy.message_id)
    forwarded = await bot.forward_message(SAM, ALEX, message_id)
    assert forwarded.forward_origin is not None
    assert fake.messages(SAM)[-1].raw["forward_origin"]["sender_user"]["id"] == ALEX
    [forward] = fake.calls_to("forwardMessage", chat_id=SAM, from_chat_id=ALEX)
    assert (forward.status, forward.params["message_id"]) == (200, message_id)


async def test_a_real_application_polls_replies_and_stops_cleanly(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            f"Welcome, {' '.join(context.args or [])}", reply_markup=keyboard("Yes", "No")
        )

    async def tapped(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and isinstance(query.message, Message)
        await query.answer("Noted")
        await query.edit_message_text(f"{query.message.text} → {query.data}")

    app = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tapped))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1)
        try:
            fake.user_sends(ALEX, "/start from-flyer")
            welcome = await fake.wait_for_message(ALEX, "Welcome")
            assert welcome.text == "Welcome, from-flyer"
            tap = fake.user_clicks_button(ALEX, welcome.message_id, "Yes")
            edit = await fake.next_call("editMessageText", chat_id=ALEX)
            assert edit.params["text"] == "Welcome, from-flyer → yes"
            answer = fake.callback_answer(tap)
            assert answer is not None and answer.text == "Noted"
        finally:
            await app.updater.stop()
            await app.stop()

    # PTB's last poll (timeout=0) was answered and confirmed everything it had fetched; the
    # long poll it abandoned was ended by that newer one.
    [last_poll] = fake.calls_to("getUpdates", timeout=0)
    assert (last_poll.status, fake.calls_to("getUpdates", timeout=1)[-1].status) == (200, 409)
    assert fake.pending_update_ids() == [] and fake.confirmed_offset == tap + 1
    assert [c.method for c in fake.calls[:2]] == ["getMe", "deleteWebhook"]
    assert fake.transcript(ALEX) == [
        "user: /start from-flyer",
        "bot: Welcome, from-flyer",
        "bot (edited): Welcome, from-flyer → yes",
    ]


async def test_every_result_and_update_matches_the_bot_api_types(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.user_sends(ALEX, "hello", last_name="Reyes", username="alex_r")
    fake.user_sends_photo(ALEX, caption="my walk")
    fake.user_sends_document(ALEX)
    fake.user_sends_sticker(ALEX)
    fake.user_sends_voice(ALEX)
    fake.user_edits(ALEX, 1, "hello again")
    sent = await bot.send_message(ALEX, "Pick one", reply_markup=keyboard("A"))
    fake.user_clicks(ALEX, sent.message_id, "a")
    fake.user_blocks_bot(SAM)
    fake.user_unblocks_bot(SAM)
    await bot.get_updates()
    await bot.send_photo(ALEX, PNG, caption="<i>chart</i>", parse_mode="HTML")
    await bot.copy_message(SAM, ALEX, 2)
    await bot.forward_message(SAM, ALEX, 1, protect_content=True)
    await bot.edit_message_text("Picked", ALEX, sent.message_id, reply_markup=keyboard("B"))
    await bot.send_chat_action(ALEX, "typing")
    await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("checkin", "Check in")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "checkin"]
    await bot.get_webhook_info()

    spec = load_spec()
    for call in fake.calls:
        assert call.status == 200, (call.method, call.description)
        problems = [spec.check_value(t, call.result) for t in spec.returns[call.method]]
        assert not all(problems), (call.method, problems)
    assert fake.commands == [
        {"command": "start", "description": "Begin"},
        {"command": "checkin", "description": "Check in"},
    ]


async def test_json_bodies_html_and_keyboard_checks(fake: FakeTelegram) -> None:
    message = {
        "chat_id": ALEX,
        "text": "  <b>Hi</b> &amp; welcome 👋 <a href='https://example.org'>rules</a> ",
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]},
    }
    status, body = await post(api(fake, "sendMessage"), json_body=message)
    assert status == 200, body
    assert body["result"]["text"] == "Hi & welcome 👋 rules"
    assert body["result"]["entities"] == [
        {"type": "bold", "offset": 0, "length": 2},
        # 👋 counts as two UTF-16 code units.
        {"type": "text_link", "offset": 16, "length": 5, "url": "https://example.org"},
    ]
    assert fake.message(ALEX, 1).buttons == [("Go", "go")]

    too_long = {"inline_keyboard": [[{"text": "Go", "callback_data": "x" * 65}]]}
    status, body = await post(
        api(fake, "sendMessage"),
        json_body={"chat_id": ALEX, "text": "Hi", "reply_markup": too_long},
    )
    assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")
    status, body = await post(
        api(fake, "sendMessage"), json_body={"chat_id": ALEX, "text": "<br>", "parse_mode": "HTML"}
    )
    assert status == 400 and body["description"].startswith("Bad Request: can't parse entities")


async def test_waiting_helpers_hand_out_each_call_once(fake: FakeTelegram, bot: Bot) -> None:
    to_sam = asyncio.create_task(fake.next_call("sendMessage", chat_id=SAM))
    await bot.send_message(ALEX, "first")
    await bot.send_message(SAM, "for Sam")
    await bot.send_message(ALEX, "second")
    assert (await to_sam).params["text"] == "for Sam"

    assert (await fake.wait_for_message(ALEX, contains="second")).text == "second"
    # "first" was passed over on the way to "second", so both are taken.
    with pytest.raises(TimeoutError, match="no bot message in chat 4242"):
        await fake.wait_for_message(ALEX, timeout=0.05)

    fake.delay = 0.1
    sent_at = time.monotonic()
    await bot.send_chat_action(ALEX, "typing")
    assert time.monotonic() - sent_at >= 0.1


async def test_separate_process_with_control_surface() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fake_telegram",
        "--port",
        "0",
        "--token",
        TOKEN,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ready = json.loads(await asyncio.wait_for(process.stdout.readline(), 10))
        control, get_updates = ready["control_url"], f"{ready['base_url']}{TOKEN}/getUpdates"
        # The benchmark's sequence: wait for the bot's first poll, inject a backlog, collect.
        poll = asyncio.create_task(post(get_updates, data={"timeout": "5"}))
        status, stats = await post(
            f"{control}/wait", json_body={"method": "getUpdates", "count": 1, "started": True}
        )
        assert (status, stats["started"]) == (200, {"getUpdates": 1})
        backlog = {"messages": [{"user_id": ALEX, "text": "hi"}, {"user_id": SAM, "text": "yo"}]}
        status, body = await post(f"{control}/backlog", json_body=backlog)
        assert (status, body["update_ids"]) == (200, [1, 2])
        status, polled = await poll
        assert [u["message"]["text"] for u in polled["result"]] == ["hi", "yo"]

        await post(get_updates, data={"offset": "2"})
        async with aiohttp.ClientSession() as session, session.get(f"{control}/stats") as reply:
            stats = await reply.json()
        assert stats["calls"] == {"getUpdates": {"200": 2}}
        assert (stats["pending_updates"], stats["confirmed_offset"]) == (1, 2)
    finally:
        process.terminate()
        assert await process.wait() == 0


async def test_command_menus_are_kept_and_recorded_by_scope_checked_strictly(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.user_sends(ALEX, "/start")
    menu = [BotCommand("start", "Begin")]
    await bot.set_my_commands(menu)
    await bot.set_my_commands([BotCommand("stats", "Figures")], scope=BotCommandScopeChat(ALEX))
    assert fake.commands == [{"command": "start", "description": "Begin"}]
    assert fake.commands_for({"type": "chat", "chat_id": ALEX}) == [
        {"command": "stats", "description": "Figures"}
    ]
    assert [c.command for c in await bot.get_my_commands(scope=BotCommandScopeChat(ALEX))] == [
        "stats"
    ]
    await bot.delete_my_commands(scope=BotCommandScopeChat(ALEX))
    assert fake.commands_for({"type": "chat", "chat_id": ALEX}) == []
    assert fake.menu_calls == [
        MenuCall("setMyCommands", {"type": "default"}, "", ("start",)),
        MenuCall("setMyCommands", {"type": "chat", "chat_id": ALEX}, "", ("stats",)),
        MenuCall("deleteMyCommands", {"type": "chat", "chat_id": ALEX}, "", None),
    ]

    # A chat Telegram doesn't know, a scope that isn't one, a language that isn't a code.
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.set_my_commands(menu, scope=BotCommandScopeChat(SAM))
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.delete_my_commands(scope=BotCommandScopeChat(SAM))
    for scope in ('{"type": "chat"}', '{"type": "everyone"}', '{"type": "default", "x": 1}'):
        status, body = await post(
            api(fake, "setMyCommands"),
            data={"commands": json.dumps([{"command": "a", "description": "b"}]), "scope": scope},
        )
        assert (status, body["description"]) == (
            400,
            "Bad Request: can't parse BotCommandScope JSON object",
        ), scope
    with pytest.raises(BadRequest, match="Invalid language code"):
        await bot.set_my_commands(menu, language_code="english")
    assert len(fake.menu_calls) == 3  # the refused ones changed and recorded nothing
