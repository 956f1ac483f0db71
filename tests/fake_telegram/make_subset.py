"""Regenerate `bot_api_subset.json` from a full machine-readable Bot API description.

    .venv/bin/python -m tests.fake_telegram.make_subset path/to/api.json

The input is `api.json` from telegram-bot-api-spec (MIT, see LICENSE-bot-api-spec), the
whole Bot API as data. The subset keeps every method name, so the fake can tell an unknown
method (404) from one it does not implement (400), plus the fields and return types of the
methods in METHODS and the types in TYPES. Descriptions are dropped to keep the file small.

Tests never run this: they read only the committed subset, so a fresh clone needs nothing
else. When the fake learns a new method or type, add it below, regenerate, and commit the
new `bot_api_subset.json`; test_fake_telegram.py checks that the two agree.
"""

import argparse
import json
from pathlib import Path
from typing import Any

SUBSET_PATH = Path(__file__).with_name("bot_api_subset.json")

METHODS = (
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendMessage",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "sendPhoto",
    "sendDocument",
    "copyMessage",
    "forwardMessage",
    "deleteMessage",
    "sendChatAction",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "getFile",
)

# What the fake returns or injects, and what those objects contain. Union types (those with
# `subtypes`) come with all their members so a value can be checked against any of them.
TYPES = (
    "Update",
    "User",
    "Chat",
    "Message",
    "MessageId",
    "MessageEntity",
    "MaybeInaccessibleMessage",
    "InaccessibleMessage",
    "MessageOrigin",
    "MessageOriginUser",
    "MessageOriginHiddenUser",
    "MessageOriginChat",
    "MessageOriginChannel",
    "PhotoSize",
    "Document",
    "Sticker",
    "Voice",
    "File",
    "CallbackQuery",
    "ChatMemberUpdated",
    "ChatMember",
    "ChatMemberOwner",
    "ChatMemberAdministrator",
    "ChatMemberMember",
    "ChatMemberRestricted",
    "ChatMemberLeft",
    "ChatMemberBanned",
    "InlineKeyboardMarkup",
    "InlineKeyboardButton",
    "ReplyKeyboardMarkup",
    "KeyboardButton",
    "ReplyKeyboardRemove",
    "ForceReply",
    "ReplyParameters",
    "BotCommand",
    "BotCommandScope",
    "BotCommandScopeDefault",
    "BotCommandScopeAllPrivateChats",
    "BotCommandScopeAllGroupChats",
    "BotCommandScopeAllChatAdministrators",
    "BotCommandScopeChat",
    "BotCommandScopeChatAdministrators",
    "BotCommandScopeChatMember",
    "WebhookInfo",
    "ResponseParameters",
)

_KEPT_KEYS = ("name", "href", "returns", "subtypes", "subtype_of")


def _strip(entry: dict[str, Any]) -> dict[str, Any]:
    kept = {key: entry[key] for key in _KEPT_KEYS if key in entry}
    kept["fields"] = [
        {"name": f["name"], "types": f["types"], "required": f["required"]}
        for f in entry.get("fields", [])
    ]
    return kept


def build_subset(api: dict[str, Any]) -> dict[str, Any]:
    missing = [m for m in METHODS if m not in api["methods"]]
    missing += [t for t in TYPES if t not in api["types"]]
    if missing:
        raise SystemExit(f"not in this api.json: {', '.join(missing)}")
    return {
        "source": (
            "Derived from api.json of telegram-bot-api-spec (MIT, see LICENSE-bot-api-spec) "
            "by tests/fake_telegram/make_subset.py; descriptions removed."
        ),
        "version": api["version"],
        "release_date": api["release_date"],
        "all_methods": sorted(api["methods"]),
        "methods": {name: _strip(api["methods"][name]) for name in METHODS},
        "types": {name: _strip(api["types"][name]) for name in TYPES},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("api_json", type=Path)
    parser.add_argument("--output", type=Path, default=SUBSET_PATH)
    args = parser.parse_args()
    api = json.loads(args.api_json.read_text(encoding="utf-8"))
    subset = build_subset(api)
    args.output.write_text(json.dumps(subset, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
