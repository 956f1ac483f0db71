"""How flow replies look on Telegram: inline keyboards and compact callback data."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from flows.core.values import Reply

# Telegram limits callback_data to 64 bytes; "<token>:<value>" stays far below.
_SEPARATOR = ":"


def callback_data(token: int | None, value: str) -> str:
    return f"{token or 0}{_SEPARATOR}{value}"


def parse_callback_data(data: str | None) -> tuple[int, str] | None:
    if not data:
        return None
    token, separator, value = data.partition(_SEPARATOR)
    if not separator or not token.isdigit():
        return None
    return int(token), value


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    columns = max(1, reply.columns)
    buttons = [
        InlineKeyboardButton(
            choice.caption, callback_data=callback_data(reply.token, choice.value)
        )
        for choice in reply.choices
    ]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    return InlineKeyboardMarkup(rows)


def answered_text(question_text: str, answer: str) -> str:
    """The question as it reads once answered: the keyboard gives way to the answer."""
    return f"{question_text}\n\n→ {answer}"
