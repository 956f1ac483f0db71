"""Signal rendering: numbered lines with keycaps, commands to type, UTF-16 text styles, and
long bodies cut where a reader would cut them."""

from flows.core.values import COMMAND_TOKEN, Choice, Reply
from handlers.signal.render import (
    ITALIC,
    MAX_BODY_BYTES,
    Span,
    Styled,
    keycap,
    render,
    split,
    utf16_len,
)

MOODS = (
    Choice("1", "Very low", "😣"),
    Choice("2", "Low", "🙁"),
    Choice("3", "Okay", "😐"),
    Choice("4", "Good", "🙂"),
    Choice("5", "Great", "😄"),
)


def test_choices_are_numbered_lines_with_keycaps_and_a_hint_in_italics() -> None:
    body = render(Reply("How are you feeling?", MOODS, token=7))
    lines = body.text.split("\n")
    assert lines[:6] == [
        "How are you feeling?",
        "1️⃣ 😣 Very low",
        "2️⃣ 🙁 Low",
        "3️⃣ 😐 Okay",
        "4️⃣ 🙂 Good",
        "5️⃣ 😄 Great",
    ]
    hint = lines[-1]
    assert "react" in hint and "number" in hint
    # The hint is italic, counted in UTF-16 units: every emoji before it counts two, every
    # keycap three (digit, variation selector, combining keycap).
    (style,) = body.text_style()
    start, length, name = style.split(":")
    assert name == ITALIC
    assert int(start) == utf16_len(body.text) - utf16_len(hint)
    assert int(start) != len(body.text) - len(hint)  # code points would be wrong
    assert int(length) == utf16_len(hint)


def test_keycaps_up_to_ten_then_plain_numbers() -> None:
    assert keycap(1) == "1\ufe0f\u20e3"
    assert keycap(10) == "🔟"
    assert keycap(11) == "11."


def test_answers_that_are_numbers_are_not_numbered() -> None:
    times = (Choice("09:00", "09:00"), Choice("18:00", "18:00"), Choice("none", "No reminder"))
    body = render(Reply("When?", times, token=3, numbered=False))
    assert "1️⃣" not in body.text
    assert "09:00 · 18:00 · No reminder" in body.text
    assert body.text.endswith("Type your answer.")


def test_command_buttons_show_the_command_to_type() -> None:
    commands = (Choice("rsvp 3 going", "I'll go", "✅"), Choice("nudges off", "Stop suggestions"))
    body = render(Reply("Coffee morning, Saturday", commands, token=COMMAND_TOKEN))
    assert "• ✅ I'll go: /rsvp 3 going" in body.text
    assert "• Stop suggestions: /nudges off" in body.text
    assert "1️⃣" not in body.text


def test_plain_text_has_no_styles() -> None:
    body = render(Reply("Hello"))
    assert body == Styled("Hello")
    assert body.text_style() == []


def _sizes(pieces: list[Styled]) -> list[int]:
    return [len(piece.text.encode("utf-8")) for piece in pieces]


def test_short_bodies_are_not_split() -> None:
    body = Styled("a" * MAX_BODY_BYTES)
    assert split(body) == [body]


def test_long_bodies_split_at_paragraphs_first() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 150 for n in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    pieces = split(Styled(text))
    assert len(pieces) > 1
    assert all(size <= MAX_BODY_BYTES for size in _sizes(pieces))
    for piece in pieces:
        assert piece.text.startswith("Paragraph")  # each piece begins a paragraph
    assert "\n\n".join(p.text for p in pieces) == text


def test_an_edit_with_fewer_pieces_to_fill_puts_the_rest_in_the_last() -> None:
    paragraphs = [f"Paragraph {n}. " + "word " * 150 for n in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert len(split(Styled(text))) > 2
    pieces = split(Styled(text), at_most=2)
    assert len(pieces) == 2
    assert len(pieces[0].text.encode("utf-8")) <= MAX_BODY_BYTES
    assert pieces[1].text.startswith("Paragraph")  # cut as ever, then nothing more
    assert "\n\n".join(p.text for p in pieces) == text  # nothing lost
    assert split(Styled(text), at_most=1) == [Styled(text)]


def test_then_lines_then_sentences() -> None:
    lines = "\n".join(f"Line {n} " + "x" * 90 for n in range(40))
    pieces = split(Styled(lines))
    assert all(piece.text.startswith("Line") for piece in pieces)
    sentences = " ".join(f"Sentence {n} is here." + " filler" * 10 for n in range(60))
    pieces = split(Styled(sentences))
    assert len(pieces) > 1
    assert all(piece.text.endswith(".") for piece in pieces[:-1])
    assert all(size <= MAX_BODY_BYTES for size in _sizes(pieces))


def test_never_inside_an_emoji_or_a_keycap() -> None:
    # No spaces at all: the cut must fall between whole emoji.
    family = "👩\u200d👩\u200d👧"  # one person-visible character, five code points
    for unit in (family, keycap(3), "👍🏽", "🇳🇿"):
        text = unit * 800
        pieces = split(Styled(text))
        assert len(pieces) > 1
        assert all(size <= MAX_BODY_BYTES for size in _sizes(pieces))
        for piece in pieces:
            assert len(piece.text) % len(unit) == 0 and piece.text == unit * (
                len(piece.text) // len(unit)
            ), unit
        assert "".join(p.text for p in pieces) == text


def test_styles_follow_their_piece() -> None:
    first = "a" * 1500
    second = "😀 " + "b" * 1000
    text = f"{first}\n\n{second}"
    hint_start = len(text) - 5
    body = Styled(text, (Span(hint_start, len(text), ITALIC), Span(1490, len(first) + 4, "BOLD")))
    one, two = split(body)
    assert one.text == first and two.text == second
    assert one.text_style() == ["1490:10:BOLD"]
    # In the second piece: the bold tail of the first span is cut off at the paragraph
    # break, and the italic end is counted from the piece's own start, in UTF-16 units.
    styles = two.text_style()
    assert f"{utf16_len(second) - 5}:5:ITALIC" in styles
    assert "0:3:BOLD" in styles  # "😀 " is three UTF-16 units
