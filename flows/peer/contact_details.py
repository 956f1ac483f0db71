"""Contact details in words: phone numbers, @usernames, email addresses, links to social
profiles and messengers, and invitations to connect elsewhere ("add me on snapchat").

Peer chats are anonymous by design, on both sides, so the relay holds back a message that
carries any of these (`relay_policy.hold_back_contacts`). The rules lean towards letting
ordinary words through: times ("19:30"), dates ("12/03/2024", "2024-03-12"), years
("2019–2024"), clean time ("2 years 3 months"), short numbers ("988", "meeting 4521"),
a meeting's id after the word "meeting" or "zoom" (or "reunión", "sala"), and the crisis
lines the deployment shows people (volunteers are asked to share them) are not contact
details. People write in Spanish as well as English: an invitation reads in either
("add me on snapchat", "agrégame en insta"), and "@casa" is a place as "@home" is.

Only the kinds found leave this module, never the words.
"""

import re
import unicodedata
from collections.abc import Iterable

PHONE = "phone"
HANDLE = "handle"
EMAIL = "email"
LINK = "link"
INVITATION = "invitation"

# A run of digits with the separators phone numbers are written with; counted below.
_NUMBER = re.compile(r"(?<![\w+])\+?\(?\d[\d\s().\-/–]*\d(?!\w)")
_DIGITS = re.compile(r"\d+")
# Phone numbers have at least this many digits (without a country code, a local one).
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15
# Times, dates and spans of years, read out before numbers are: "12.03.2024 19:30",
# "19.30–21.00", "2019-2024".
_NOT_PHONES = re.compile(
    r"(?<![\d+])(?:"
    r"\d{1,2}[.:h]\d{2}\s?[\-–]\s?\d{1,2}[.:h]\d{2}"  # a span of time
    r"|\d{1,2}:\d{2}(?::\d{2})?"  # a time
    r"|\d{1,2}\s?[./\-]\s?\d{1,2}\s?[./\-]\s?(?:\d{4}|\d{2})"  # a date, day or month first
    r"|\d{4}\s?[./\-]\s?\d{1,2}\s?[./\-]\s?\d{1,2}"  # a date, year first
    r"|(?:19|20)\d\d\s?[\-–/]\s?(?:(?:19|20)\d\d|\d\d)"  # a span of years
    r")(?!\d)"
)
# Words after which a long number is a meeting's id, not a phone (unless it starts with +).
_MEETING = re.compile(
    r"\b(?:meeting|zoom|webinar|passcode|room|reuni[oó]n|sala|contraseña)\b[\w\s#:.]{0,12}$",
    re.I,
)

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}", re.I)
_SPELLED_EMAIL = re.compile(
    r"\b[\w.+\-]+\s*(?:\(at\)|\[at\]|\sat\s)\s*(?:gmail|googlemail|yahoo|hotmail|outlook|"
    r"live|icloud|proton(?:mail)?|aol|gmx|yandex)\s*(?:\.|\(dot\)|\[dot\]|\sdot\s)\s*[a-z]{2,}\b",
    re.I,
)
# Four characters at least: "@me", "@you" or "@Sam" name nobody to find.
_HANDLE = re.compile(r"(?<![\w.@/])@([a-z][\w.]{3,31})", re.I)
# "@home", "@work": places, not people.
_NOT_HANDLES = frozenset(
    {"home", "work", "school", "night", "noon", "lunch", "church", "here", "everyone"}
    | {"casa", "trabajo", "escuela", "noche", "iglesia", "aquí", "aqui", "todos", "todas"}
)
# Where a path names a person: a profile, a chat, an invitation.
_SOCIAL = (
    r"t\.me|telegram\.(?:me|dog)|wa\.me|whatsapp\.com|instagram\.com|instagr\.am|"
    r"facebook\.com|fb\.com|fb\.me|m\.me|messenger\.com|twitter\.com|x\.com|tiktok\.com|"
    r"snapchat\.com|discord\.gg|discord(?:app)?\.com|signal\.me|signal\.group|linkedin\.com|"
    r"reddit\.com|threads\.net|bsky\.app|kik\.me|line\.me|viber\.com|vk\.com|skype\.com|"
    r"wechat\.com|onlyfans\.com|youtube\.com|snap\.com"
)
_LINK = re.compile(
    rf"(?<![\w.\-])(?:https?://)?(?:www\.|mobile\.|m\.)?(?:{_SOCIAL})/+[\w@+~%\-]", re.I
)
_APP_LINK = re.compile(r"\b(?:tg|whatsapp|viber|skype|signal|sgnl)://", re.I)
_PLATFORMS = (
    r"insta(?:gram)?|ig|snap(?:chat)?|whats\s?app|telegram|signal|discord|facebook|fb|"
    r"messenger|tiktok|twitter|kik|wechat|viber|skype"
)
_INVITATION = re.compile(
    rf"\b(?:add|follow|find|message|msg|dm|text|call|ring|reach|hit)\s+me\s+(?:up\s+)?"
    rf"(?:on|at|via|over)\s+(?:{_PLATFORMS})\b",
    re.I,
)
# The same in Spanish: "agrégame en insta", "escríbeme por whatsapp", "búscame en facebook".
_INVITACION = re.compile(
    r"\b(?:agr[eé]game|a[ñn][aá]deme|s[ií]gueme|b[uú]scame|encu[eé]ntrame|escr[ií]beme|"
    r"m[aá]ndame(?:\s+(?:un\s+)?(?:mensaje|mensajito|dm|md))?|h[aá]blame|ll[aá]mame|"
    r"cont[aá]ctame)\s+(?:en|por|al|a|v[ií]a)\s+(?:el\s+)?(?:" + _PLATFORMS + r")\b",
    re.I,
)


def digits_of(text: str) -> str:
    return "".join(_DIGITS.findall(text))


def _is_phone(match: re.Match[str], text: str, allowed: frozenset[str]) -> bool:
    number = match.group(0).strip(" .-/–()")
    digits = digits_of(number)
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS or digits in allowed:
        return False
    groups = _DIGITS.findall(number)
    # "steps 1 2 3 4 5 6 7": a phone number is written in groups, not single digits.
    if sum(len(group) == 1 for group in groups) > 1:
        return False
    plus = number.startswith("+") or text[max(0, match.start() - 1) : match.start()] == "+"
    return plus or not _MEETING.search(text[max(0, match.start() - 40) : match.start()])


def contact_details(text: str, *, allowed_numbers: Iterable[str] = ()) -> tuple[str, ...]:
    """The kinds of contact details in `text`, in a fixed order; empty if none.

    `allowed_numbers` are numbers that may be shared (the crisis lines), written any way.
    """
    if not text:
        return ()
    # Full-width digits and letters read as plain ones.
    text = unicodedata.normalize("NFKC", text)
    allowed = frozenset(digits_of(number) for number in allowed_numbers) - {""}
    found: list[str] = []
    numbers = _NOT_PHONES.sub(" · ", text)
    if any(_is_phone(m, numbers, allowed) for m in _NUMBER.finditer(numbers)):
        found.append(PHONE)
    without_emails = _EMAIL.sub(" ", text)
    if without_emails != text or _SPELLED_EMAIL.search(text):
        found.append(EMAIL)
    handles = (m.group(1).rstrip(".").casefold() for m in _HANDLE.finditer(without_emails))
    if any(handle not in _NOT_HANDLES for handle in handles):
        found.append(HANDLE)
    if _LINK.search(text) or _APP_LINK.search(text):
        found.append(LINK)
    if _INVITATION.search(text) or _INVITACION.search(text):
        found.append(INVITATION)
    return tuple(found)


def allowed_numbers(*texts: str) -> tuple[str, ...]:
    """The numbers written in `texts` (the crisis lines as configured), to let through."""
    return tuple(m.group(0) for text in texts for m in _NUMBER.finditer(text))
