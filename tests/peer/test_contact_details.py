"""Which words carry contact details (held back in peer chats) and which only look like
it: times, dates, meeting numbers, crisis lines, clean time."""

import pytest

from flows.peer.contact_details import allowed_numbers, contact_details

CRISIS_LINES = "Samaritans: call 116 123. Childline: 0800 1111. Lifeline: 1-800-273-8255."


@pytest.mark.parametrize(
    "words",
    [
        "see you at 19:30",
        "the meeting is 19:30-21:00, or 19.30 – 21.00 on Thursdays",
        "on 12/03/2024 at 19:30",
        "12.03.2024 19:30",
        "since 2024-03-12",
        "clean from 2019-2024, and again since 2025",
        "call 988 any time",
        "2 years 3 months clean, 1 year 9 months before that",
        "day 365 today!",
        "meeting 4521 tonight, room 101",
        "Zoom meeting ID 845 1234 5678, passcode 2468",
        "I did steps 1 2 3 4 5 6 7 this year",
        "I walked 10 000 steps",
        "home @ 7, @home by 8, thanks @Sam",
        "i spend too long on instagram.com",
        "https://aa.org/find-a-meeting has the list",
        "my phone is dead, sorry",
        "reach out on the forum",
        "my mom is in hospital and i'm scared",
        "Childline is 0800 1111 and the Lifeline 1-800-273-8255",  # lines the deployment shows
    ],
)
def test_ordinary_words_are_not_contact_details(words: str) -> None:
    assert contact_details(words, allowed_numbers=allowed_numbers(CRISIS_LINES)) == ()


@pytest.mark.parametrize(
    ("words", "kinds"),
    [
        ("text me on +1 555 010 9999 or @alex_real anytime", ("phone", "handle")),
        ("555-010-9999", ("phone",)),
        ("(555) 010-9999", ("phone",)),
        ("ring 07700 900123 later", ("phone",)),
        ("+44 20 7946 0018", ("phone",)),
        ("06 12 34 56 78", ("phone",)),
        ("5550109999", ("phone",)),
        ("zoom me on +1 555 010 9999", ("phone",)),  # a + is a phone, meeting or not
        ("020 7946 0018 tomorrow, 12.03.2024", ("phone",)),
        ("write to alex.r@example.com", ("email",)),
        ("alex at gmail dot com", ("email",)),
        ("@alexr", ("handle",)),
        ("t.me/alex_real", ("link",)),
        ("https://www.instagram.com/alex.r/", ("link",)),
        ("wa.me/15550109999", ("phone", "link")),
        ("add me on snapchat", ("invitation",)),
        ("hit me up on insta x", ("invitation",)),
        ("１５５５ ０１０ ９９９９", ("phone",)),  # full-width digits
    ],
)
def test_contact_details_are_found_and_named_by_kind(words: str, kinds: tuple[str, ...]) -> None:
    assert contact_details(words, allowed_numbers=allowed_numbers(CRISIS_LINES)) == kinds
