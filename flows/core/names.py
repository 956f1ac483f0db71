"""Names people choose — a member's chosen name, a volunteer's display name — and the
one rule for both: what a name may be, and when two names are too alike to tell apart.

Names are shown to other people, so a name must not reach or identify its owner (a
phone number, an @handle, a link), must not pass for the people who run Hearthside
("Admin", "Hearthside team", in any case or look-alike letters), and must be visible
(invisible characters are dropped; what is left needs letters). Two names clash when
their look-alike keys meet: the Unicode TR39 skeleton (flows/core/confusables.txt) with case
folded, ignoring spaces and punctuation, so "Аlice" with a Cyrillic А, "ALICE" and
"Al ice" all clash with "Alice".
"""

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

from flows.core.language import N_, _

NAME_MAX = 24
# Punctuation a name may hold besides letters, marks and digits ("’" is what phones
# type for "'"; brackets in pairs, as in "Alex (peer)").
NAME_PUNCTUATION = frozenset(" .'’-_()")
_LETTER_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo"})
_MARK_CATEGORIES = frozenset({"Mn", "Mc"})
# More stacked accents than any language needs: text made to spill over its neighbours.
MARKS_IN_A_ROW = 3

# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties): characters that show
# nothing — zero-width spaces and joiners, bidi controls, variation selectors, the
# Hangul fillers, tags. They are dropped from every name.
_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160),
    (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)  # fmt: skip

# Words kept for the people who run Hearthside. Long ones are refused anywhere in a
# name ("HearthsideSupport"), short ones only as a word of their own, so "Modesty",
# "Abbott" and "Steam" stay fine.
RESERVED_WORDS = (
    "admin", "administrator", "moderator", "mod", "hearthside", "team", "staff",
    "support", "official", "bot", "system", "crisis", "helpline", "hotline",
    "emergency", "safety", "security", "telegram",
)  # fmt: skip
_ANYWHERE_FROM = 6
# Digits written for letters ("Adm1n", "B0t"), folded only to look for reserved words.
_LEET = str.maketrans("01345789", "oieastbg")

_LINK = re.compile(r"@|/|\\|\bwww|https?\b|\bt\s*\.\s*me\b", re.IGNORECASE)
# A dot with letters straight after it reads as a web address ("bit.ly"), and chat apps
# make it a link; "J. R." and "Mr.X" do not.
_WEB_ADDRESS = re.compile(r"\.[^\W\d_]{2,}")

INVISIBLE = N_(
    "I can't see anything in that name — some characters don't show up in chats at all. "
    "Could you type a name with letters in it?"
)
NO_LETTERS = N_("A name needs some letters — could you add a few?")
TOO_SHORT = N_("That's a bit short — could you choose a name of at least 2 characters?")
_TOO_LONG = N_("Could you keep it to {name_max} characters or fewer?")
TOO_LONG = _TOO_LONG.format(name_max=NAME_MAX)  # as English readers see it
LINK = N_("Please leave out @handles, slashes and links — this name is shown to other people.")
WEB_ADDRESS = N_(
    "That looks like a web address, and chat apps would turn it into a link. Could you "
    "leave out the dot, or put a space after it?"
)
PHONE = N_("That looks like it could be a phone number. Please choose a name without it.")
CHARACTERS = N_("Please use letters, numbers, spaces and simple punctuation only.")
BRACKETS = N_("Brackets need to come in pairs, one pair at a time, like “Alex (peer)”.")
MARKS = N_("Please use plain letters — that name has a lot of accent marks stacked up.")
RESERVED = N_(
    "“{word}” is kept for the people who run Hearthside, so that nobody is mistaken "
    "for them. Could you choose a name without it?"
)


def _is_ignorable(ch: str) -> bool:
    point = ord(ch)
    return any(low <= point <= high for low, high in _IGNORABLE_RANGES)


def clean_name(raw: str) -> str:
    """The name as it will be kept: NFKC (fullwidth and styled letters become plain),
    invisible characters dropped, runs of spaces made one."""
    text = unicodedata.normalize("NFKC", raw)
    return " ".join("".join(ch for ch in text if not _is_ignorable(ch)).split())


def _allowed(ch: str) -> bool:
    category = unicodedata.category(ch)
    return (
        ch in NAME_PUNCTUATION
        or category in _LETTER_CATEGORIES
        or category in _MARK_CATEGORIES
        or category == "Nd"
    )


def _brackets_paired(name: str) -> bool:
    """Each "(" closed by a ")" after it, none inside another."""
    depth = 0
    for ch in name:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth not in (0, 1):
            return False
    return depth == 0


def _marks_pile_up(name: str) -> bool:
    run = 0
    for ch in unicodedata.normalize("NFD", name):
        run = run + 1 if unicodedata.category(ch) in _MARK_CATEGORIES else 0
        if run > MARKS_IN_A_ROW:
            return True
    return False


def name_problem(raw: str) -> str | None:
    """Why this name can't be used, kindly and saying what to change; None if it is fine."""
    name = clean_name(raw)
    if not name:
        return _(INVISIBLE)
    if sum(ch.isdigit() for ch in name) >= 5:
        return _(PHONE)
    if _LINK.search(name):
        return _(LINK)
    if _WEB_ADDRESS.search(name):
        return _(WEB_ADDRESS)
    if not any(unicodedata.category(ch) in _LETTER_CATEGORIES for ch in name):
        return _(NO_LETTERS)
    if len(name) < 2:
        return _(TOO_SHORT)
    if len(name) > NAME_MAX:
        return _(_TOO_LONG).format(name_max=NAME_MAX)
    if not all(map(_allowed, name)):
        return _(CHARACTERS)
    if not _brackets_paired(name):
        return _(BRACKETS)
    if _marks_pile_up(name):
        return _(MARKS)
    if (word := reserved_word(name)) is not None:
        return _(RESERVED).format(word=word.capitalize())
    return None


# -- look-alikes --------------------------------------------------------------------
# The skeleton needs Unicode's own table, directed from each character to its prototype.
# Of the libraries at hand, confusable_homoglyphs keeps only undirected pairs (no
# skeleton), and ICU's spoof checker comes with tens of megabytes of binaries; the
# 2,000 lines a name can reach, and the six-line algorithm, are smaller than either.
@cache
def _prototypes() -> dict[str, str]:
    """Source character → its TR39 prototype, for the characters a name may hold."""
    table: dict[str, str] = {}
    text = (resources.files("flows.core") / "confusables.txt").read_text("utf-8")
    for line in text.splitlines():
        if line.startswith("#") or ";" not in line:
            continue
        source, target = line.split(";")
        table[chr(int(source, 16))] = "".join(chr(int(p, 16)) for p in target.split())
    return table


def skeleton(text: str) -> str:
    """UTS #39 skeleton: NFD, each character replaced by its prototype, NFD again."""
    table = _prototypes()
    mapped = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFD", text))
    return unicodedata.normalize("NFD", mapped)


def _folds(text: str) -> frozenset[str]:
    """The look-alike keys of a text, two ways round: case folded before the skeleton
    ("ALICE" meets "alice") and after it ("AIice", with a capital I, meets "Alice").
    A prototype can be a capital ("0" → "O"), so each way is repeated until it settles."""
    lower_first = skeleton_first = text
    for _attempt in range(4):
        settled = skeleton(lower_first.casefold()), skeleton(skeleton_first).casefold()
        if settled == (lower_first, skeleton_first):
            break
        lower_first, skeleton_first = settled
    return frozenset({lower_first, skeleton_first})


def _letters_only(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")


def name_keys(name: str) -> frozenset[str]:
    """What a name looks like, for comparing with others: spaces and punctuation left out."""
    return frozenset(_letters_only(key) for key in _folds(clean_name(name)))


def looks_like_any(name: str, others: Iterable[str]) -> bool:
    """Whether the name could be mistaken for any of these names."""
    keys = name_keys(name)
    return any(keys & name_keys(other) for other in others)


# -- reserved words -----------------------------------------------------------------
def _loose(text: str) -> set[str]:
    """Looser keys, only to look for reserved words: digits read as letters, and l as i."""
    return {key.translate(_LEET).replace("l", "i") for key in _folds(text)}


def _split_camel_case(text: str) -> str:
    """Split "HearthsideTeam" into "Hearthside Team"; "TEAM" stays one word."""
    return "".join(
        " " + ch if i and text[i - 1].islower() and ch.isupper() else ch
        for i, ch in enumerate(text)
    )


@cache
def _reserved_keys() -> dict[str, str]:
    return {key: word for word in RESERVED_WORDS for key in _loose(word)}


def reserved_word(name: str) -> str | None:
    """The reserved word this name holds or imitates, or None."""
    reserved = _reserved_keys()
    cleaned = clean_name(name)
    words = [w for w in re.split(r"[\W_]+", _split_camel_case(cleaned)) if w]
    for word in words:
        for key in _loose(word):
            if key in reserved:
                return reserved[key]
    for loose in _loose(_letters_only(cleaned)):
        squashed = _letters_only(loose)
        for key, word in reserved.items():
            if key == squashed or (len(word) >= _ANYWHERE_FROM and key in squashed):
                return word
    return None
