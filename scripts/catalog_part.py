"""Keep one area's share of a language's catalog while its texts are being wrapped:

    .venv/bin/python scripts/catalog_part.py es peer flows/peer [more paths...]

reads locales/messages.pot (run `scripts/catalogs extract` first), and writes
locales/<language>/LC_MESSAGES/parts/<area>.po with every template entry found in those
paths: translations already in the part are kept, new entries come empty. Then prints
what is still untranslated and any translation whose placeholders differ from its source.
`merge` folds every part into the language's messages.po:

    .venv/bin/python scripts/catalog_part.py es --merge
"""

import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _read(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language)
    with path.open("rb") as f:
        return read_po(f, locale=language)


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=99, sort_output=True)


def _placeholders(text: object) -> list[str]:
    return sorted(PLACEHOLDER.findall(str(text)))


def problems(catalog: Catalog) -> list[str]:
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            found.append(f"untranslated: {ids[0]!r}")
            continue
        for text in strings:
            if _placeholders(text) != _placeholders(ids[-1]) and _placeholders(
                text
            ) != _placeholders(ids[0]):
                found.append(f"placeholders differ: {ids[0]!r} -> {text!r}")
    return found


def update_part(language: str, area: str, paths: list[str]) -> int:
    with (ROOT / "locales" / "messages.pot").open("rb") as f:
        template = read_po(f)
    part_path = ROOT / "locales" / language / "LC_MESSAGES" / "parts" / f"{area}.po"
    old = _read(part_path, language)
    part = Catalog(locale=language)
    for message in template:
        if not message.id or not any(
            loc.startswith(tuple(paths)) for loc, _line in message.locations
        ):
            continue
        kept = old.get(message.id)
        blank = tuple("" for _n in range(part.num_plurals)) if message.pluralizable else ""
        string = kept.string if kept is not None else blank
        part.add(message.id, string, locations=message.locations)
    _write(part_path, part)
    found = problems(part)
    print(f"{part_path.relative_to(ROOT)}: {len(part)} entries, {len(found)} to do")
    for line in found:
        print(" ", line)
    return 1 if found else 0


def merge(language: str) -> int:
    with (ROOT / "locales" / "messages.pot").open("rb") as f:
        template = read_po(f)
    po_path = ROOT / "locales" / language / "LC_MESSAGES" / "messages.po"
    catalog = _read(po_path, language)
    catalog.update(template, no_fuzzy_matching=True)
    for part_path in sorted((po_path.parent / "parts").glob("*.po")):
        for message in _read(part_path, language):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            target = catalog.get(message.id)
            if message.id and target is not None and all(strings):
                target.string = message.string
                target.flags.discard("fuzzy")
    catalog.obsolete.clear()
    _write(po_path, catalog)
    found = problems(catalog)
    print(f"{po_path.relative_to(ROOT)}: {len(catalog)} entries, {len(found)} to do")
    for line in found[:50]:
        print(" ", line)
    return 1 if found else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) == 2 and args[1] == "--merge":
        sys.exit(merge(args[0]))
    if len(args) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(update_part(args[0], args[1], args[2:]))
