"""Which offered choice typed words mean: the same rules for questions and buttons."""

import unicodedata
from collections.abc import Iterable

from flows.core.language import source_of
from flows.core.values import Choice


def _normalise(text: str) -> str:
    # Drop emoji variation selectors so a typed "☺" matches "☺️".
    return unicodedata.normalize("NFKC", text).replace("\ufe0f", "").strip().casefold()


def _unkeycap(normalised: str) -> str:
    # A keycap emoji ("2️⃣", "🔟": how Signal shows numbered choices) is its number.
    if normalised == "🔟":
        return "10"
    if len(normalised) == 2 and normalised[0].isdecimal() and normalised[1] == "\u20e3":
        return normalised[0]
    return normalised


def _bare(normalised: str) -> str:
    # Without punctuation or spaces, so "I’ll go!" (a phone's curly apostrophe) or
    # "stop-suggestions" still reads as "I'll go" or "Stop suggestions". Emoji stay.
    return "".join(
        c for c in normalised if not unicodedata.category(c).startswith(("P", "Z")) and c.strip()
    )


# Words that answer a yes-or-no question. Acknowledgements ("ok", "sure", "fine") are left
# out: they say "I read it", not "yes", and these questions confirm things like deletion.
# In every language Hearthside speaks, as people type them (with or without the accent).
_YES_WORDS = frozenset(
    {
        "yes",
        "y",
        "yeah",
        "yep",
        "yup",
        "yea",
        "ya",
        "yes please",
        "👍",
        "sí",
        "si",
        "sí, por favor",
    }
)
_NO_WORDS = frozenset(
    {"no", "n", "nope", "nah", "no thanks", "no thank you", "👎", "no, gracias", "no gracias"}
)
# The first word of a choice that says yes (a choice's label, in any language).
_YES_FIRST = frozenset({"yes", "sí", "si"})


def means_yes(text: str) -> bool:
    """Whether typed words are a plain "yes" (not the words of any particular choice)."""
    return _bare(_normalise(text)) in {_bare(word) for word in _YES_WORDS}


def _yes_no(typed: str, options: list[Choice]) -> Choice | None:
    """The Yes… or No… choice a typed yes or no means, when the choices are exactly one
    of each beginning with those words: only then is the question plainly yes or no."""

    def first_word(choice: Choice) -> str:
        words = [w for w in _normalise(choice.label).replace(",", " ").split() if w]
        return _bare(words[0]) if words else ""

    yes = [c for c in options if first_word(c) in _YES_FIRST]
    no = [c for c in options if first_word(c) == "no"]
    if len(yes) != 1 or len(no) != 1:
        return None
    bare = _bare(typed)
    if bare in {_bare(word) for word in _YES_WORDS}:
        return yes[0]
    if bare in {_bare(word) for word in _NO_WORDS}:
        return no[0]
    return None


def match_choice(
    text: str, choices: Iterable[Choice], *, numbers: bool = True, yes_no: bool = False
) -> Choice | None:
    """The choice a typed answer means: its value, label, emoji, caption or (with
    `numbers`, when the choices were shown numbered) its number. Case is ignored, and
    punctuation and spacing too when nothing matches exactly. With `yes_no`, a typed
    "yes" or "no" means the one choice beginning "Yes…" or "No…" (see `_yes_no`).

    Where the choices are shown numbered, a typed number is the number shown, never a
    choice's value; where they are not, it can only be a value or a label ("1" for one
    person), never a position."""
    typed = _unkeycap(_normalise(text))
    if not typed:
        return None
    options = list(choices)
    if typed.isdecimal() and numbers:
        position = int(typed)
        return options[position - 1] if 1 <= position <= len(options) else None
    # A label in the member's language can be typed in English too (its source).
    names_of = [
        {_normalise(n) for n in (c.value, c.label, c.caption, c.emoji, source_of(c.label)) if n}
        for c in options
    ]
    for choice, names in zip(options, names_of, strict=True):
        if typed in names:
            return choice
    if typed.isdecimal():
        return None
    bare = _bare(typed)
    if bare and not bare.isdecimal():  # a number counts only typed as one
        for choice, names in zip(options, names_of, strict=True):
            if bare in {_bare(name) for name in names}:
                return choice
    return _yes_no(typed, options) if yes_no else None
