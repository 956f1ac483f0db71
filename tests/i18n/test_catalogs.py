"""The catalogs are complete and current: every shipped language translates every text,
without fuzzy entries and with the same placeholders as its source, and the template holds
exactly what the code marks for translation."""

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from flows.core.language import LOCALES_DIR, SHIPPED, SOURCE_LANGUAGE, TEMPLATE, _, speaking

ROOT = LOCALES_DIR.parent
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TRANSLATED = sorted(set(SHIPPED) - {SOURCE_LANGUAGE})


def _read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=language)


def _ids(catalog: Catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def _placeholders(text: object) -> list[str]:
    return sorted(PLACEHOLDER.findall(str(text)))


def test_the_template_holds_exactly_what_the_code_marks() -> None:
    marked: set[str] = set()
    for folder in ("flows", "handlers", "bot"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords={"_": None, "N_": None, "ngettext": (1, 2)},
        ):
            marked.add(message if isinstance(message, str) else message[0])
    marked.discard("")
    template = _ids(_read(TEMPLATE))
    assert sorted(marked - template) == [], "run scripts/catalogs extract"
    assert sorted(template - marked) == [], "run scripts/catalogs extract"


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_is_translated_and_none_is_fuzzy(language: str) -> None:
    catalog = _read(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po", language)
    assert _ids(catalog) == _ids(_read(TEMPLATE)), "run scripts/catalogs update"
    missing = [
        m.id
        for m in catalog
        if m.id and (m.fuzzy or not all(m.string if isinstance(m.string, tuple) else (m.string,)))
    ]
    assert missing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_their_placeholders(language: str) -> None:
    catalog = _read(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po", language)
    differ = []
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        wanted = {tuple(_placeholders(i)) for i in ids}
        differ += [(ids[0], s) for s in strings if tuple(_placeholders(s)) not in wanted]
    assert differ == []


def test_a_translated_text_is_spoken_only_inside_its_language() -> None:
    catalog = _read(LOCALES_DIR / "es" / "LC_MESSAGES" / "messages.po", "es")
    source, spanish = next(
        (m.id, m.string)
        for m in catalog
        if isinstance(m.id, str) and isinstance(m.string, str) and m.id and m.string != m.id
    )
    with speaking("es"):
        assert _(source) == spanish
    assert _(source) == source
