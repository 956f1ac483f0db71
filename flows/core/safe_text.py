"""Translating that cannot fail: for the texts that must reach a person whatever else
is broken (the crisis reply, the page to volunteers and admins). A counted text is made
with `ngettext` inside a try whose fallback speaks English (see flows/safety/guard.py).

`said(N_("…{number}…"), number=…)` is the text in the language being spoken, or, if
that language's catalog cannot be read or its translation does not fit its placeholders,
the English source. Never raises for a reason of language.
"""

import logging

from flows.core.language import _

log = logging.getLogger(__name__)


def said(message: str, **fields: object) -> str:
    """`message` (a catalogued source string) translated and filled in, or in English."""
    try:
        return _(message).format(**fields)
    except Exception:  # a broken catalog must never stop these words
        log.exception("translation_failed")
        return message.format(**fields)
