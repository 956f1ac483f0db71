"""The language a message is written in: gettext catalogs (Babel), the language being
spoken now, and dates, times and numbers in that language.

Every text a person reads is an English source string passed through `_` (or `ngettext`
for a count) at the moment the message is made; a module-level constant is marked with
`N_` where it is written and passed through `_` where it is used. Which language `_`
answers in is the context's: the engine speaks the language of the person a step runs for
(`Engine._context`), and a message made for someone else (a page to a volunteer, an alert
to admins) is made inside `speaking(their language)`.

The catalogs are `locales/<language>/LC_MESSAGES/messages.po`, compiled in memory the
first time a language is spoken, so a fresh clone needs no build step. `qps` is a
pseudo-language used only in tests: every catalogued string comes back accented and in
brackets, so a test can see any text that reaches a person without passing a catalog.
"""

import gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
TEMPLATE = LOCALES_DIR / "messages.pot"
SOURCE_LANGUAGE = "en"
PSEUDO_LANGUAGE = "qps"
# The languages Hearthside speaks, each by its own name (how a language menu offers it).
SHIPPED = {"en": "English", "es": "Español"}

_speaking: ContextVar[str] = ContextVar("hearthside_language", default=SOURCE_LANGUAGE)


def N_(message: str) -> str:
    """Marks a constant for the catalogs; it is translated where it is used, with `_`."""
    return message


def _(message: str) -> str:
    """`message` in the language being spoken."""
    return _catalog(_speaking.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message for `n`, in the language being spoken."""
    return _catalog(_speaking.get()).ngettext(singular, plural, n)


def current_language() -> str:
    return _speaking.get()


def speak(language: str) -> None:
    """From here on, in this task, speak `language` (the engine, for a step's person)."""
    _speaking.set(language if is_known(language) else SOURCE_LANGUAGE)


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Speak `language` inside the block: a message made for someone else."""
    token = _speaking.set(language if is_known(language) else SOURCE_LANGUAGE)
    try:
        yield
    finally:
        _speaking.reset(token)


def is_known(language: str) -> bool:
    return language in SHIPPED or language == PSEUDO_LANGUAGE


def offered_language(language_code: str | None, default: str) -> str:
    """The language to start someone in: their app's (an IETF tag such as "es-MX"), when
    Hearthside speaks it, or else the deployment's default."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].casefold()
        if base in SHIPPED:
            return base
    return default if is_known(default) else SOURCE_LANGUAGE


def source_of(text: str) -> str | None:
    """The English source of `text` as the language being spoken translates it, or None:
    so a choice can be typed in English as well as in the member's language."""
    return _reverse(_speaking.get()).get(text)


# -- dates, times and numbers ---------------------------------------------------------


def _locale() -> Locale:
    language = _speaking.get()
    return Locale.parse(SOURCE_LANGUAGE if language == PSEUDO_LANGUAGE else language)


def format_day(day: date) -> str:
    """'Sat 5 Dec' / 'sáb 5 dic': the one way a day is written, alone or in a moment."""
    return format_date(day, "EEE d MMM", locale=_locale())


def format_clock(moment: datetime) -> str:
    """'18:30' (a 24-hour clock in every language Hearthside speaks)."""
    return format_time(moment, "HH:mm", locale=_locale())


def format_weekday(day: date, *, short: bool = False) -> str:
    return format_date(day, "EEE" if short else "EEEE", locale=_locale())


def format_number(number: float) -> str:
    return format_decimal(number, locale=_locale())


# -- catalogs ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"(\{[^{}]*\}|/[a-z_]+)")
_ACCENTED = str.maketrans("aeiouyAEIOUYcnsz", "áéíóúýÁÉÍÓÚÝçñšž")


def pseudo(message: str) -> str:
    """`message` as the pseudo-language writes it: each line accented and in brackets,
    its placeholders and /commands untouched."""

    def line(text: str) -> str:
        if not text.strip():
            return text
        parts = _PLACEHOLDER.split(text)
        shown = "".join(p if i % 2 else p.translate(_ACCENTED) for i, p in enumerate(parts))
        return f"⟦{shown}⟧"

    return "\n".join(line(text) for text in message.split("\n"))


class _Pseudo(gettext.NullTranslations):
    """Every string in the template, pseudo-localised; anything else as it came."""

    def __init__(self, known: frozenset[str]) -> None:
        super().__init__()
        self._known = known

    def gettext(self, message: str) -> str:
        return pseudo(message) if message in self._known else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        chosen = msgid1 if n == 1 else msgid2
        return pseudo(chosen) if msgid1 in self._known else chosen


def _po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


@cache
def _catalog(language: str) -> gettext.NullTranslations:
    if language == PSEUDO_LANGUAGE:
        with TEMPLATE.open("rb") as template:
            ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(template) if m.id}
        return _Pseudo(frozenset(str(i) for i in ids))
    path = _po_path(language)
    if language == SOURCE_LANGUAGE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def _reverse(language: str) -> dict[str, str]:
    if language in (SOURCE_LANGUAGE, PSEUDO_LANGUAGE) or not _po_path(language).exists():
        return {}
    with _po_path(language).open("rb") as po:
        catalog = read_po(po, locale=language)
    return {
        str(m.string): str(m.id)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }
