"""Reading what people were sent in the pseudo-language (flows/core/language.py): every
catalogued text comes back accented and in ⟦brackets⟧, so any words outside the brackets
reached someone without passing a catalog."""

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from flows.core.language import pseudo
from tests.fake_telegram import FakeTelegram

_BRACKETED = re.compile(r"⟦[^⟦⟧]*⟧")
_SENDS = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument", "editMessageCaption")


def ps(text: str) -> str:
    """`text` as the pseudo-language shows it, without the brackets: what to expect or tap."""
    shown = pseudo(text)
    return shown.replace("⟦", "").replace("⟧", "")


def unlocalised(text: str, exempt: Iterable[str] = ()) -> list[str]:
    """The lines of `text` with a letter outside every bracketed stretch, once the `exempt`
    words (people's own words and names, which no catalog holds) are taken out."""
    found = []
    for line in text.split("\n"):
        rest = line
        for words in sorted(exempt, key=len, reverse=True):
            rest = rest.replace(words, "")
        # Innermost first: a translated text inside another's placeholder nests brackets.
        while True:
            stripped = _BRACKETED.sub("", rest)
            if stripped == rest:
                break
            rest = stripped
        if any(unicodedata.category(c).startswith("L") for c in rest):
            found.append(line)
    return found


def _markup_labels(markup: Any) -> list[str]:
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, Mapping):
        return []
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    labels = []
    for row in rows:
        for button in row:
            labels.append(
                str(button.get("text", "")) if isinstance(button, Mapping) else str(button)
            )
    return labels


def texts_sent_to(fake: FakeTelegram, chat_id: int) -> list[str]:
    """Every text, caption and button label the bot sent or edited into this chat."""
    texts: list[str] = []
    for call in fake.started:
        if call.method not in _SENDS or str(call.params.get("chat_id")) != str(chat_id):
            continue
        for key in ("text", "caption"):
            if call.params.get(key):
                texts.append(str(call.params[key]))
        texts += _markup_labels(call.params.get("reply_markup"))
    return texts


def unlocalised_sent_to(
    fake: FakeTelegram, chat_ids: Iterable[int], exempt: Iterable[str] = ()
) -> list[str]:
    """Each line sent to these chats that did not pass a catalog, with its chat."""
    kept = list(exempt)
    return [
        f"{chat_id}: {line}"
        for chat_id in chat_ids
        for text in texts_sent_to(fake, chat_id)
        for line in unlocalised(text, kept)
    ]
