"""Crisis detector evaluation: `python -m bench.crisis_eval`.

Prints recall per tier, precision, false positives by category and messages per
second on the labelled set in tests/crisis_eval.tsv.
"""

import csv
import time
from collections import Counter
from pathlib import Path

from flows.crisis import DETECTOR_VERSION, assess

EVAL_SET = Path(__file__).resolve().parent.parent / "tests" / "crisis_eval.tsv"


def main() -> None:
    with EVAL_SET.open(encoding="utf-8") as handle:
        rows = [
            (int(r["expected_tier"]), r["category"], r["text"])
            for r in csv.DictReader(handle, delimiter="\t")
        ]
    results = [(tier, category, assess(text).tier) for tier, category, text in rows]
    print(f"detector {DETECTOR_VERSION}, {len(rows)} cases")
    for expected in (1, 2, 3):
        got = [found for tier, _, found in results if tier == expected]
        exact = sum(found == expected for found in got)
        caught = sum(0 < found <= expected for found in got)
        print(
            f"tier {expected}: recall {exact / len(got):.1%} exact, "
            f"{caught / len(got):.1%} at this tier or more severe ({len(got)} cases)"
        )
    flagged = [(tier, found) for tier, _, found in results if found]
    true_flags = sum(tier > 0 for tier, _ in flagged)
    print(f"precision of any flag: {true_flags / len(flagged):.1%} ({len(flagged)} flagged)")
    false_by_category = Counter(c for tier, c, found in results if tier == 0 and found)
    negatives = sum(tier == 0 for tier, _, _ in results)
    print(
        f"false positives: {sum(false_by_category.values())} of {negatives} negatives"
        + (f" {dict(false_by_category)}" if false_by_category else "")
    )
    texts = [text for _, _, text in rows]
    started = time.perf_counter()
    count = 0
    while time.perf_counter() - started < 1.0:
        for text in texts:
            assess(text)
        count += len(texts)
    print(f"speed: {count / (time.perf_counter() - started):,.0f} messages/s")


if __name__ == "__main__":
    main()
