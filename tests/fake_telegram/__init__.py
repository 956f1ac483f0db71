"""A stateful fake of the Telegram Bot API that the real python-telegram-bot talks to over HTTP.

It runs an aiohttp server on 127.0.0.1 (OS-assigned port) on the test's own event loop and
speaks what PTB sends: form-encoded bodies with JSON-encoded non-string values, multipart
uploads, empty bodies, and JSON bodies too. Requests are checked against a copy of the Bot
API description (`bot_api_subset.json`, MIT, see `LICENSE-bot-api-spec`): an unknown method
gets 404 "Not Found", a missing required field 400 "Bad Request: <field> is required", and a
real method the fake does not serve 400 saying so.

Start it and point PTB at it::

    async with FakeTelegram(token="123:ABC") as fake:
        app = (
            ApplicationBuilder()
            .token(fake.token)
            .base_url(fake.base_url)  # http://127.0.0.1:<port>/bot
            .base_file_url(fake.base_file_url)  # http://127.0.0.1:<port>/file/bot
            .build()
        )

Act as users (each returns the update_id; user messages share the chat's message ids)::

    fake.user_sends(42, "/start payload", first_name="Alex")  # bot_command entity included
    fake.user_sends(42, "yes", reply_to=message_id)  # a reply to a message in the chat
    fake.user_clicks(42, message_id, "callback-data")  # callback_query on the bot's message
    fake.user_clicks_button(42, message_id, "Yes")  # the same, by button label
    fake.user_sends_photo(42, caption=None) / user_sends_document / _sticker / _voice
    fake.user_edits(42, message_id, "new text")  # edited_message (text, or a caption)
    fake.user_blocks_bot(42)  # my_chat_member "kicked"; later sends get 403
    fake.user_unblocks_bot(42)
    fake.push_update({"message": {...}})  # anything else, raw
    fake.update(update_id)["message"]["message_id"]  # an injected update, as delivered

Name arguments update the user's profile (first_name starts as "Alex"). Private chat ids
equal user ids. Telegram's parse_mode HTML is resolved into text and entities, and text is
trimmed, as Telegram stores it; Markdown modes are refused so a test notices.

Delivery works like Telegram's getUpdates: long polls wake at once on a new update; an
offset confirms and forgets every update below it, so updates fetched but not confirmed
come again. `fake.pending_update_ids()`, `fake.confirmed_offset`,
`await fake.wait_confirmed(update_id)`, `fake.redeliver(update_id)` (a duplicate delivery).
A newer getUpdates ends a waiting older one with 409 Conflict, as Telegram does; PTB's own
stop() produces one such 409, answered to the poll it abandoned.

Faults, for the next matching calls only::

    fake.fail_next("sendMessage", "429", retry_after=2, chat_id=42, times=1)
    # also "500", "403", "timeout" (held unanswered, no effect; hold_seconds=30 or until
    # the fake stops) and "lost_response" (takes effect, then held the same way)
    fake.delay = 0.02  # seconds added to every call (a long poll's wait is not lengthened)
    fake.revoke_token()  # every later call, and a waiting poll, gets 401 Unauthorized

Inspect what the bot did::

    fake.calls  # answered Calls: method, params (decoded), at, status, result, message
    fake.started  # every request on arrival, including ones still held
    fake.downloads  # paths of the files the bot fetched (after getFile)
    fake.calls_to("sendMessage", chat_id=42)
    await fake.next_call("editMessageText", chat_id=42)  # next successful, not yet taken
    await fake.wait_for_message(42, contains="Welcome")  # next new bot message: BotMessage
    fake.messages(42)  # the bot's messages now: text, caption, reply_markup, kind, ...
    fake.message(42, message_id).buttons  # [(text, callback_data), ...]
    FakeTelegram.keyboard(message)  # the same for a BotMessage or a raw Message dict
    fake.transcript(42)  # ["user: /start", "bot: Welcome", "bot (edited): ..."]
    await fake.wait_for_call_started("sendMessage", since=len(fake.started), chat_id=42)
    await fake.wait_for_calls("sendMessage", 100)  # until 100 were answered 200
    fake.callback_answer(update_id), fake.commands, fake.webhook, fake.stats()
    fake.commands_for({"type": "chat", "chat_id": 42})  # a scope's menu, as it is now
    fake.menu_calls  # every set/deleteMyCommands accepted: MenuCall(method, scope, ...)
    load_spec().check_object("Message", raw)  # [] when raw is a valid Message

`next_call` and `wait_for_message` hand out each call once, in order, and never poll: they
wait on events fired as requests are answered. For another process, run
`python -m tests.fake_telegram --port N --delay-ms D` and use the HTTP control surface
described in control.py.
"""

from tests.fake_telegram.records import (
    BotMessage,
    Call,
    CallbackAnswer,
    FaultKind,
    MenuCall,
    Upload,
)
from tests.fake_telegram.server import BOT_USERNAME, DEFAULT_TOKEN, FakeTelegram
from tests.fake_telegram.spec import BotApiSpec, load_spec

__all__ = [
    "BOT_USERNAME",
    "DEFAULT_TOKEN",
    "BotApiSpec",
    "BotMessage",
    "Call",
    "CallbackAnswer",
    "FakeTelegram",
    "FaultKind",
    "MenuCall",
    "Upload",
    "load_spec",
]
