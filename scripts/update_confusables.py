"""Rebuild flows/core/confusables.txt from Unicode's confusables.txt (UTS #39 data).

    python3 scripts/update_confusables.py path/to/confusables.txt

Only the mappings a chosen name can reach are kept: sources that are letters, marks,
decimal digits or the punctuation a name may hold, and that NFKC leaves as they are
(flows/core/names.py applies NFKC first). Run it with the Python the project supports, so
the character categories match the ones `unicodedata` will see at run time.
"""

import sys
import unicodedata
from pathlib import Path

NAME_PUNCTUATION = frozenset(" .'’-_()")
NAME_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Mn", "Mc", "Nd"})
TARGET = Path(__file__).resolve().parent.parent / "flows" / "core" / "confusables.txt"


def reachable(source: str) -> bool:
    if unicodedata.normalize("NFKC", source) != source:
        return False
    return source in NAME_PUNCTUATION or unicodedata.category(source) in NAME_CATEGORIES


def main(upstream: Path) -> None:
    lines = upstream.read_text("utf-8-sig").splitlines()
    header = [line for line in lines[:12] if line.startswith("#")]
    kept: list[str] = []
    for line in lines:
        fields = [field.strip() for field in line.split("#", 1)[0].split(";")]
        if len(fields) < 2 or not fields[0]:
            continue
        source = chr(int(fields[0], 16))
        if reachable(source):
            kept.append(f"{fields[0]} ; {fields[1]}")
    TARGET.write_text(
        "\n".join(
            [
                "# The name-reachable part of Unicode's confusables.txt, made by",
                "# scripts/update_confusables.py (source ; prototype, code points in hex).",
                "# Its header follows.",
                *header,
                *kept,
                "",
            ]
        ),
        "utf-8",
    )
    print(f"{TARGET}: {len(kept)} of the upstream mappings")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
