"""Translating that cannot fail: for the texts that must reach a person whatever else
is broken (the crisis reply, the page to volunteers and admins).

`said(N_("…{number}…"), number=…)` is the text in the language being spoken, or, if
that language's catalog cannot be read or its translation does not fit its placeholders,
the English source. Never raises for a reason of language.
"""

import logging

from flows.core.language import _, ngettext

log = logging.getLogger(__name__)


def said(message: str, **fields: object) -> str:
    """`message` (a catalogued source string) translated and filled in, or in English."""
    try:
        return _(message).format(**fields)
    except Exception:  # a broken catalog must never stop these words
        log.exception("translation_failed")
        return message.format(**fields)


def said_n(singular: str, plural: str, n: int, **fields: object) -> str:
    """A counted text as `said` gives one: `count` is filled in with `n` too."""
    try:
        return ngettext(singular, plural, n).format(count=n, **fields)
    except Exception:
        log.exception("translation_failed")
        return (singular if n == 1 else plural).format(count=n, **fields)
