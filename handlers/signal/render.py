"""How flow replies look on Signal: numbered lines for choices, the commands to type for
command buttons, text styles as `textStyle` ranges, and long bodies split in pieces.

Signal has no buttons. A question's choices become numbered lines with keycap emoji
("1️⃣ 😊 Good"), answered by the number, the emoji, the words or a reaction; where the
answer is itself a number or a time, the options are listed without numbers. A message's
command buttons become the command to type beside their words.

signal-cli turns a body over 2,000 UTF-8 bytes into a `text/x-signal-plain` attachment,
which some apps show only as a file; bodies are therefore cut in pieces below that, at a
paragraph, else a line, else a sentence, else a word, and never inside one character as
a person sees it (an emoji with its modifiers, a keycap, a flag).
"""

import unicodedata
from dataclasses import dataclass

from flows.core.language import N_, _, speaking
from flows.core.values import Reply

# signal-cli's ServiceConfig.MAX_MESSAGE_SIZE_BYTES.
MAX_BODY_BYTES = 2000

# Signal's styles (signal-cli's `--text-style start:length:STYLE`).
BOLD, ITALIC, SPOILER, STRIKETHROUGH, MONOSPACE = (
    "BOLD", "ITALIC", "SPOILER", "STRIKETHROUGH", "MONOSPACE",
)  # fmt: skip

# The hint under a reply's choices, in the language of its text (`Reply.language`).
COMMANDS_HINT = N_("Send one of these: its words, or the command after them.")
TYPE_HINT = N_("Type your answer.")
REACT_HINT = N_("Reply with a number or the words, or react to this message with the emoji.")
NUMBER_HINT = N_("Reply with a number or the words.")

_KEYCAP = "\ufe0f\u20e3"
_TEN = "🔟"


@dataclass(frozen=True, slots=True)
class Span:
    """A style over text[start:end], in code points of the text it belongs to."""

    start: int
    end: int
    style: str


@dataclass(frozen=True, slots=True)
class Styled:
    """Text with its style spans."""

    text: str
    spans: tuple[Span, ...] = ()

    def text_style(self) -> list[str]:
        """The spans as signal-cli's `textStyle` values: "start:length:STYLE", in UTF-16
        code units as Signal counts them."""
        return [
            f"{utf16_len(self.text[: span.start])}:"
            f"{utf16_len(self.text[span.start : span.end])}:{span.style}"
            for span in self.spans
            if span.end > span.start
        ]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: a character beyond the BMP (most emoji) counts two."""
    return len(text.encode("utf-16-le")) // 2


def keycap(number: int) -> str:
    """The keycap emoji for 1–10 ("1️⃣" … "🔟"); past ten, the number and a dot."""
    if 0 <= number <= 9:
        return f"{number}{_KEYCAP}"
    if number == 10:
        return _TEN
    return f"{number}."


def _hint(reply: Reply) -> str:
    if reply.has_commands:
        return _(COMMANDS_HINT)
    if not reply.numbered:
        return _(TYPE_HINT)
    if any(choice.emoji for choice in reply.choices):
        return _(REACT_HINT)
    return _(NUMBER_HINT)


def _choice_lines(reply: Reply) -> list[str]:
    if reply.has_commands:
        return [f"• {choice.caption}: /{choice.value}" for choice in reply.choices]
    if not reply.numbered:
        # The answer is itself a number or a time: a numbered list would read "1️⃣ 0".
        return [" · ".join(choice.caption for choice in reply.choices)]
    return [
        f"{keycap(number)} {choice.caption}"
        for number, choice in enumerate(reply.choices, start=1)
    ]


def render(reply: Reply) -> Styled:
    """A reply as one Signal body: its text, its choices as lines, and a hint (in italics)
    saying how to answer, in the language its text was made in (rendered at sending, for
    whoever it is for, outside the step that made it)."""
    if not reply.choices:
        return Styled(reply.text)
    head = "\n".join(part for part in (reply.text, "\n".join(_choice_lines(reply))) if part)
    with speaking(reply.language):
        hint = _hint(reply)
    text = f"{head}\n\n{hint}" if head else hint
    return Styled(text, (Span(len(text) - len(hint), len(text), ITALIC),))


def _unbreakable_before(char: str) -> bool:
    """Whether `char` belongs to the character before it (a cut there would split what a
    person sees as one character)."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Me", "Mc")
        or char in "\ufe0f\ufe0e\u200d\u20e3"
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # the tags of subdivision flags
    )


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF


def _safe_cut(text: str, index: int) -> bool:
    """Whether text may be cut before `index` without splitting a visible character."""
    if index <= 0 or index >= len(text):
        return True
    if _unbreakable_before(text[index]) or text[index - 1] == "\u200d":
        return False
    if _regional(text[index]) and _regional(text[index - 1]):
        # A flag is a pair of regional indicators: cut only between pairs.
        run = 0
        while index - run - 1 >= 0 and _regional(text[index - run - 1]):
            run += 1
        return run % 2 == 0
    return True


_SEPARATORS = (
    ("\n\n",),  # paragraphs
    ("\n",),  # lines
    (". ", "! ", "? ", "… ", ".\n", "!\n", "?\n"),  # sentences
    (" ",),  # words
)


def _fits(text: str, start: int, limit: int) -> int:
    """The end of the longest piece of text from `start` within `limit` UTF-8 bytes."""
    size = 0
    end = start
    while end < len(text):
        size += len(text[end].encode("utf-8"))
        if size > limit:
            break
        end += 1
    return end


def _cut(text: str, start: int, limit: int) -> int:
    """Where the piece starting at `start` ends: the best boundary within `limit` bytes."""
    end = _fits(text, start, limit)
    if end >= len(text):
        return len(text)
    window = text[start:end]
    for separators in _SEPARATORS:
        best = max(
            (window.rfind(sep) + len(sep) for sep in separators if sep in window), default=0
        )
        # A boundary in the first fifth would leave a stub: look for a coarser kind only if
        # this kind has nothing better.
        if best > len(window) // 5:
            return start + best
    cut = end
    while cut > start + 1 and not _safe_cut(text, cut):
        cut -= 1
    return cut


def split(
    styled: Styled, limit: int = MAX_BODY_BYTES, *, at_most: int | None = None
) -> list[Styled]:
    """The body in pieces of at most `limit` UTF-8 bytes, each with its share of the spans
    (counted from its own start). Spaces and line breaks at a cut are dropped.

    With `at_most`, never more pieces than that: the last carries all the rest, however
    long (an edit of a message sent in pieces has only those pieces to put its words in;
    signal-cli sends a body past its limit with the whole text attached).
    """
    text = styled.text
    if len(text.encode("utf-8")) <= limit:
        return [styled]
    pieces: list[Styled] = []
    start = 0
    while start < len(text):
        last = at_most is not None and len(pieces) >= at_most - 1
        end = len(text) if last else _cut(text, start, limit)
        piece_start, piece_end = start, end
        while piece_end > piece_start and text[piece_end - 1] in " \n":
            piece_end -= 1
        if piece_end > piece_start:
            spans = tuple(
                Span(
                    max(s.start, piece_start) - piece_start,
                    min(s.end, piece_end) - piece_start,
                    s.style,
                )
                for s in styled.spans
                if s.start < piece_end and s.end > piece_start
            )
            pieces.append(Styled(text[piece_start:piece_end], spans))
        start = end
        while start < len(text) and text[start] in " \n":
            start += 1
    return pieces
