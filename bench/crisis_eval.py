"""Crisis detector evaluation: `python -m bench.crisis_eval [--file PATH]`.

Without `--file`, scores the tuning set (tests/crisis_eval.tsv, which the patterns were
tuned on, so its figures are in-sample; it holds the scored blind batches 1 and 2 since
`lexicon-4`, 3 and 4 since `lexicon-5`, 5 and 6 since `lexicon-6`, 7 to 12 since
`lexicon-7`, 13 and 14 since `lexicon-8`, and 15 and 16 since `lexicon-9`) and the
development set (tests/crisis_dev.tsv, written before the `lexicon-3` patterns and never
tuned on) separately, then measures messages per second. With `--file PATH`, scores any
TSV with the same columns (`expected_tier`, `category`, `text`) once, without looking at its
messages.

Figures per set, as the guard would act on them:
- tier-1 messages shown the crisis lines (tier 1 or 2, or a supporter reply for someone else);
- tier-1 messages answered as tier 1;
- tier-2 messages answered at tier 2 or more severe;
- tier-3 messages answered at tier 3 or more severe;
- negatives (tier 0) alarmed at tier 1, and at any tier.
"""

import argparse
import csv
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flows.safety.crisis import DETECTOR_VERSION, Assessment, assess

TESTS = Path(__file__).resolve().parent.parent / "tests"
TUNING_SET = TESTS / "crisis_eval.tsv"
DEV_SET = TESTS / "crisis_dev.tsv"


@dataclass(frozen=True, slots=True)
class Case:
    expected: int
    category: str
    text: str


@dataclass(slots=True)
class Figures:
    """Counts of one labelled set: (hits, total) per figure."""

    tier1_shown: tuple[int, int] = (0, 0)
    tier1_exact: tuple[int, int] = (0, 0)
    tier2_caught: tuple[int, int] = (0, 0)
    tier3_caught: tuple[int, int] = (0, 0)
    negatives_tier1: tuple[int, int] = (0, 0)
    negatives_any: tuple[int, int] = (0, 0)
    # Categories of the misses and of the false alarms, never the messages themselves.
    missed: Counter[str] = field(default_factory=Counter)
    alarmed: Counter[str] = field(default_factory=Counter)


def load(path: Path) -> list[Case]:
    with path.open(encoding="utf-8") as handle:
        return [
            Case(int(r["expected_tier"]), r["category"], r["text"])
            for r in csv.DictReader(handle, delimiter="\t")
        ]


def shown_lines(found: Assessment) -> bool:
    """Whether the guard's reply carries the crisis lines (tiers 1 and 2, or a supporter)."""
    return found.tier in (1, 2) or (found.tier > 0 and found.third_party)


def _share(hits: list[bool]) -> tuple[int, int]:
    return sum(hits), len(hits)


def score(cases: list[Case]) -> Figures:
    found = [(case, assess(case.text)) for case in cases]
    by_tier = {t: [(c, a) for c, a in found if c.expected == t] for t in (0, 1, 2, 3)}
    figures = Figures(
        tier1_shown=_share([shown_lines(a) for _, a in by_tier[1]]),
        tier1_exact=_share([a.tier == 1 for _, a in by_tier[1]]),
        tier2_caught=_share([a.tier in (1, 2) for _, a in by_tier[2]]),
        tier3_caught=_share([a.tier in (1, 2, 3) for _, a in by_tier[3]]),
        negatives_tier1=_share([a.tier == 1 for _, a in by_tier[0]]),
        negatives_any=_share([a.tier > 0 for _, a in by_tier[0]]),
    )
    for case, result in found:
        if case.expected == 0 and result.tier:
            figures.alarmed[f"{case.category}@{result.tier}"] += 1
        elif case.expected and not (0 < result.tier <= case.expected):
            figures.missed[f"{case.category}@{case.expected}->{result.tier}"] += 1
    return figures


def _line(label: str, share: tuple[int, int]) -> str:
    hits, total = share
    percent = f"{hits / total:.1%}" if total else "n/a"
    return f"  {label:<44} {hits:>4} / {total:<4} {percent:>6}"


def report(title: str, cases: list[Case]) -> Figures:
    figures = score(cases)
    print(f"{title}: {len(cases)} messages")
    print(_line("tier 1 shown the lines (1, 2 or supporter)", figures.tier1_shown))
    print(_line("tier 1 answered as tier 1", figures.tier1_exact))
    print(_line("tier 2 answered at tier 2 or more severe", figures.tier2_caught))
    print(_line("tier 3 answered at tier 3 or more severe", figures.tier3_caught))
    print(_line("negatives alarmed at tier 1", figures.negatives_tier1))
    print(_line("negatives alarmed at any tier", figures.negatives_any))
    if figures.missed:
        print(f"  misses by category: {dict(sorted(figures.missed.items()))}")
    if figures.alarmed:
        print(f"  false alarms by category: {dict(sorted(figures.alarmed.items()))}")
    return figures


def speed(cases: list[Case]) -> float:
    texts = [case.text for case in cases]
    started = time.perf_counter()
    count = 0
    while time.perf_counter() - started < 1.0:
        for text in texts:
            assess(text)
        count += len(texts)
    return count / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, help="score this TSV instead of the project's sets")
    args = parser.parse_args(argv)
    print(f"detector {DETECTOR_VERSION}")
    if args.file is not None:
        report(str(args.file), load(args.file))
        return
    tuning = load(TUNING_SET)
    report("tuning set (in-sample: the patterns were tuned on it)", tuning)
    report("development set (written before lexicon-3, never tuned on)", load(DEV_SET))
    print(f"speed: {speed(tuning):,.0f} messages/s")


if __name__ == "__main__":
    main()
