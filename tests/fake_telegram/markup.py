"""Message text as Telegram stores it: parse_mode HTML resolved into entities, ends trimmed.

Entity offsets and lengths count UTF-16 code units, as in the Bot API.
"""

from html.parser import HTMLParser
from typing import Any

Json = dict[str, Any]

_TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
}


class EntityParseError(ValueError):
    """Text Telegram would refuse with "can't parse entities"."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[Json]:
    """The bot_command entity Telegram's clients attach to a leading /command."""
    if not text.startswith("/") or len(text) < 2 or text[1].isspace():
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def parse_text(text: str, parse_mode: str | None, entities: Any) -> tuple[str, list[Json]]:
    """The stored text and entities for `text` sent with `parse_mode` or explicit `entities`.

    Raises EntityParseError for markup Telegram rejects and for modes the fake does not
    speak (Markdown), so a test notices instead of asserting on unparsed text.
    """
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, found = _parse_html(text)
    elif mode == "":
        plain, found = text, list(entities) if isinstance(entities, list) else []
    elif mode in ("markdown", "markdownv2"):
        raise EntityParseError(f"the fake Bot API server does not parse {parse_mode}")
    else:
        raise EntityParseError(f"unsupported parse_mode {parse_mode!r}")
    return _trim(plain, found)


def _trim(text: str, entities: list[Json]) -> tuple[str, list[Json]]:
    # Telegram drops leading and trailing whitespace and moves the entities with the text.
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    end = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        stop = min(entity["offset"] + entity["length"] - shift, end)
        if stop > start:
            kept.append({**entity, "offset": start, "length": stop - start})
    return stripped, kept


def _parse_html(text: str) -> tuple[str, list[Json]]:
    parser = _HtmlEntities()
    parser.feed(text)
    parser.close()
    if parser.open_tags:
        tag = parser.open_tags[-1][0]
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{tag}"')
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.chunks), entities


class _HtmlEntities(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.position = 0  # UTF-16 units so far (HTMLParser has its own `offset`)
        self.open_tags: list[tuple[str, int, Json]] = []
        self.entities: list[Json] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        entity_type = _TAG_ENTITIES.get(tag)
        if tag == "span" and attributes.get("class") == "tg-spoiler":
            entity_type = "spoiler"
        if entity_type is None:
            raise EntityParseError(f'Unsupported start tag "{tag}"')
        extra: Json = {}
        if tag == "a":
            extra["url"] = attributes.get("href") or ""
        if tag == "code" and self.open_tags and self.open_tags[-1][0] == "pre":
            # <pre><code class="language-x"> is one pre entity with a language.
            language = (attributes.get("class") or "").removeprefix("language-")
            if language:
                self.open_tags[-1][2]["language"] = language
            extra["inside_pre"] = True
        self.open_tags.append((tag, self.position, extra))

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1][0] != tag:
            raise EntityParseError(f'Unmatched end tag "{tag}"')
        _, start, extra = self.open_tags.pop()
        if extra.pop("inside_pre", False):
            return
        entity_type = _TAG_ENTITIES.get(tag, "spoiler")
        if self.position > start:
            self.entities.append(
                {"type": entity_type, "offset": start, "length": self.position - start, **extra}
            )

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)
        self.position += utf16_len(data)
