"""The crisis guard on the blind batches: `python -m bench.crisis_blind [PATH ...]`.

The headline figures for the detector. Each file in tests/crisis_blind/ was written by
someone who had seen neither the patterns nor the other sets, only a brief of the kinds of
message, and is scored once before any tuning on it; the README states the figures of that
first scoring. What a member is shown is decided as the guard decides it without recent
context: the lexicon first, then, where it found nothing (and cleared nothing), the
semantic layer for messages of `SEMANTIC_MIN_WORDS` words or more: a page at `PAGE`, the
direct question at `ASK`. Prints figures only, never a message. With paths, scores those
files instead (the development set, or a new batch, in English or Spanish: both lexicons
read every message). The semantic model is English-only; on a Spanish file the last line,
the highest score it gave a hard negative it was asked about, shows how far it stays from
asking (`ASK`) and paging (`PAGE`).

tests/crisis_es_dev.tsv, the Spanish development set (300 messages), was written before the
Spanish lexicon and tuned on; scored under `lexicon-9` + `semantic-8` (English only) it
showed the lines to 5/120 tier-1 messages, asked 3/50 tier-2 ones and alarmed none of the
110 hard negatives; the model asked nothing (its highest score on a Spanish hard negative
was 0.48). Under `lexicon-10` it is in-sample: 120/120, 50/50, 0/110.

blind-1 and blind-2 were scored first under `lexicon-3` + `semantic-1`, and have been part
of the tuning set since `lexicon-4`, so their figures now are in-sample. Their first
scoring, kept as the record:

    tier-1 shown the lines          63/112 (56 %)   48/100 (48 %)
    tier-1 answered as tier 1       58/112 (52 %)   45/100 (45 %)
    tier-2 at tier 2 or above       26/41 (63 %)    25/43 (58 %)
    hard negatives paging people    4/105 (4 %)     5/98 (5 %)
    hard negatives alarmed at all   10/105 (10 %)   13/98 (13 %)

blind-3 and blind-4 were written after `lexicon-4`, and scored once under it (and, at the
same moment, under `lexicon-3` + `semantic-1`), before any tuning on them; they have been
part of the tuning set since `lexicon-5` + `semantic-3`, so their figures now are in-sample:

                                    lexicon-4 + semantic-2          lexicon-3 + semantic-1
    tier-1 shown the lines          66/103 (64 %)   51/103 (50 %)   39 (38 %)   29 (28 %)
    tier-1 answered as tier 1       60/103 (58 %)   48/103 (47 %)   34 (33 %)   25 (24 %)
    tier-2 at tier 2 or above       29/47 (62 %)    23/47 (49 %)    20 (43 %)   22 (47 %)
    hard negatives paging people    0/98 (0 %)      2/94 (2 %)      0 (0 %)     3 (3 %)
    hard negatives alarmed at all   5/98 (5 %)      10/94 (11 %)    6 (6 %)     10 (11 %)

blind-5 and blind-6 were written after `lexicon-5`, and scored once under it (and, at the
same moment, under `lexicon-4` + `semantic-2`), before any tuning on them; they have been
part of the tuning set since `lexicon-6` + `semantic-4`, so their figures now are in-sample:

                                    lexicon-5 + semantic-3          lexicon-4 + semantic-2
    tier-1 shown the lines          76/101 (75 %)   67/103 (65 %)   58 (57 %)   54 (52 %)
    tier-1 answered as tier 1       63/101 (62 %)   58/103 (56 %)   53 (52 %)   49 (48 %)
    tier-2 at tier 2 or above       35/46 (76 %)    30/46 (65 %)    31 (67 %)   26 (57 %)
    hard negatives paging people    0/102 (0 %)     3/96 (3 %)      0 (0 %)     3 (3 %)
    hard negatives alarmed at all   5/102 (5 %)     7/96 (7 %)      8 (8 %)     10 (10 %)

blind-7 and blind-8 were written after `lexicon-6`, and scored once under it (and, at the
same moment, under `lexicon-5` + `semantic-3`), before any tuning on them; like blind-9 to
blind-12 below, they have been part of the tuning set since `lexicon-7` + `semantic-6`, so
their figures now are in-sample:

                                    lexicon-6 + semantic-4          lexicon-5 + semantic-3
    tier-1 shown the lines          80/100 (80 %)   80/101 (79 %)   74 (74 %)   73 (72 %)
    tier-1 answered as tier 1       70/100 (70 %)   59/101 (58 %)   63 (63 %)   57 (56 %)
    tier-2 at tier 2 or above       30/45 (67 %)    34/45 (76 %)    26 (58 %)   29 (64 %)
    hard negatives paging people    1/94 (1 %)      3/91 (3 %)      1 (1 %)     3 (3 %)
    hard negatives alarmed at all   5/94 (5 %)      8/91 (9 %)      4 (4 %)     9 (10 %)

blind-9 and blind-10 were written after `lexicon-6` too, and scored once under it (and, at
the same moment, under `lexicon-5` + `semantic-3`), before any tuning on them:

                                    lexicon-6 + semantic-4          lexicon-5 + semantic-3
    tier-1 shown the lines          86/102 (84 %)   83/100 (83 %)   78 (76 %)   77 (77 %)
    tier-1 answered as tier 1       73/102 (72 %)   68/100 (68 %)   69 (68 %)   65 (65 %)
    tier-2 at tier 2 or above       32/46 (70 %)    36/45 (80 %)    31 (67 %)   33 (73 %)
    hard negatives paging people    2/91 (2 %)      2/91 (2 %)      2 (2 %)     2 (2 %)
    hard negatives alarmed at all   9/91 (10 %)     4/91 (4 %)      9 (10 %)    5 (5 %)

blind-11 and blind-12 were written after `semantic-5` (the mean of the vote and a logistic
head; lexicon unchanged), and scored once under it and, at the same moment, under
`lexicon-6` + `semantic-4`, before any tuning on them (in the tuning set since `lexicon-7`):

                                    lexicon-6 + semantic-5          lexicon-6 + semantic-4
    tier-1 shown the lines          82/98 (84 %)    82/100 (82 %)   75 (77 %)   81 (81 %)
    tier-1 answered as tier 1       62/98 (63 %)    67/100 (67 %)   63 (64 %)   68 (68 %)
    tier-2 at tier 2 or above       35/45 (78 %)    35/46 (76 %)    33 (73 %)   34 (74 %)
    hard negatives paging people    0/99 (0 %)      2/96 (2 %)      0 (0 %)     2 (2 %)
    hard negatives alarmed at all   5/99 (5 %)      8/96 (8 %)      5 (5 %)     7 (7 %)

blind-13 and blind-14 were written after `lexicon-7` + `semantic-6`, by people who had seen
nothing of the project, and scored once under it and, at the same moment, under
`lexicon-6` + `semantic-5`, before any tuning on them; they have been part of the tuning set
since `lexicon-8` + `semantic-7`, so their figures now are in-sample. The targets were not
met:

                                    lexicon-7 + semantic-6          lexicon-6 + semantic-5
    tier-1 shown the lines          89/100 (89 %)   91/101 (90 %)   79 (79 %)   84 (83 %)
    tier-1 answered as tier 1       65/100 (65 %)   74/101 (73 %)   46 (46 %)   66 (65 %)
    tier-2 at tier 2 or above       38/45 (84 %)    42/46 (91 %)    30 (67 %)   37 (80 %)
    hard negatives paging people    2/90 (2 %)      2/101 (2 %)     3 (3 %)     3 (3 %)
    hard negatives alarmed at all   6/90 (7 %)      8/101 (8 %)     6 (7 %)     12 (12 %)

As printed then:

    crisis guard on the blind batches: lexicon-7 + semantic-6
    blind-13.tsv (250 messages)
      tier-1 shown the crisis lines   89/100 (89%)    (target >= 97 %)
      tier-1 answered as tier 1       65/100 (65%)    (target >= 90 %)
      tier-2 at tier 2 or above       38/45 (84%)     (target >= 90 %)
      hard negatives paging people    2/90 (2%)       (target <= 1 %)
      hard negatives alarmed at all   6/90 (7%)       (target <= 5 %)
      direct questions from the model 28
    blind-14.tsv (263 messages)
      tier-1 shown the crisis lines   91/101 (90%)    (target >= 97 %)
      tier-1 answered as tier 1       74/101 (73%)    (target >= 90 %)
      tier-2 at tier 2 or above       42/46 (91%)     (target >= 90 %)
      hard negatives paging people    2/101 (2%)      (target <= 1 %)
      hard negatives alarmed at all   8/101 (8%)      (target <= 5 %)
      direct questions from the model 23

    crisis guard on the blind batches: lexicon-6 + semantic-5
    blind-13.tsv (250 messages)
      tier-1 shown the crisis lines   79/100 (79%)    (target >= 97 %)
      tier-1 answered as tier 1       46/100 (46%)    (target >= 90 %)
      tier-2 at tier 2 or above       30/45 (67%)     (target >= 90 %)
      hard negatives paging people    3/90 (3%)       (target <= 1 %)
      hard negatives alarmed at all   6/90 (7%)       (target <= 5 %)
      direct questions from the model 41
    blind-14.tsv (263 messages)
      tier-1 shown the crisis lines   84/101 (83%)    (target >= 97 %)
      tier-1 answered as tier 1       66/101 (65%)    (target >= 90 %)
      tier-2 at tier 2 or above       37/46 (80%)     (target >= 90 %)
      hard negatives paging people    3/101 (3%)      (target <= 1 %)
      hard negatives alarmed at all   12/101 (12%)    (target <= 5 %)
      direct questions from the model 26

blind-15 and blind-16 were written while `lexicon-8` was tuned, by people who had seen
nothing of the project, and scored once under `lexicon-8` + `semantic-7` (tuned on blind-13
and blind-14) and, at the same moment, under `lexicon-7` + `semantic-6`, before any tuning
on them; they have been part of the tuning set since `lexicon-9` + `semantic-8`, so their
figures now are in-sample. Paging on hard negatives (none) and alarming at all (5 % and 4 %)
met their targets; the other targets were not met, and the new detector showed the lines to
one tier-1 message fewer on each batch than the one before it:

                                    lexicon-8 + semantic-7          lexicon-7 + semantic-6
    tier-1 shown the lines          94/103 (91 %)   95/100 (95 %)   95 (92 %)   96 (96 %)
    tier-1 answered as tier 1       78/103 (76 %)   82/100 (82 %)   78 (76 %)   81 (81 %)
    tier-2 at tier 2 or above       40/45 (89 %)    36/45 (80 %)    38 (84 %)   35 (78 %)
    hard negatives paging people    0/97 (0 %)      0/90 (0 %)      0 (0 %)     0 (0 %)
    hard negatives alarmed at all   5/97 (5 %)      4/90 (4 %)      6 (6 %)     3 (3 %)

As printed then:

    crisis guard on the blind batches: lexicon-8 + semantic-7
    blind-15.tsv (260 messages)
      tier-1 shown the crisis lines   94/103 (91%)    (target >= 97 %)
      tier-1 answered as tier 1       78/103 (76%)    (target >= 90 %)
      tier-2 at tier 2 or above       40/45 (89%)     (target >= 90 %)
      hard negatives paging people    0/97 (0%)       (target <= 1 %)
      hard negatives alarmed at all   5/97 (5%)       (target <= 5 %)
      direct questions from the model 18
    blind-16.tsv (250 messages)
      tier-1 shown the crisis lines   95/100 (95%)    (target >= 97 %)
      tier-1 answered as tier 1       82/100 (82%)    (target >= 90 %)
      tier-2 at tier 2 or above       36/45 (80%)     (target >= 90 %)
      hard negatives paging people    0/90 (0%)       (target <= 1 %)
      hard negatives alarmed at all   4/90 (4%)       (target <= 5 %)
      direct questions from the model 21

    crisis guard on the blind batches: lexicon-7 + semantic-6
    blind-15.tsv (260 messages)
      tier-1 shown the crisis lines   95/103 (92%)    (target >= 97 %)
      tier-1 answered as tier 1       78/103 (76%)    (target >= 90 %)
      tier-2 at tier 2 or above       38/45 (84%)     (target >= 90 %)
      hard negatives paging people    0/97 (0%)       (target <= 1 %)
      hard negatives alarmed at all   6/97 (6%)       (target <= 5 %)
      direct questions from the model 19
    blind-16.tsv (250 messages)
      tier-1 shown the crisis lines   96/100 (96%)    (target >= 97 %)
      tier-1 answered as tier 1       81/100 (81%)    (target >= 90 %)
      tier-2 at tier 2 or above       35/45 (78%)     (target >= 90 %)
      hard negatives paging people    0/90 (0%)       (target <= 1 %)
      hard negatives alarmed at all   3/90 (3%)       (target <= 5 %)
      direct questions from the model 21

blind-17 and blind-18 were written while `lexicon-9` was tuned, by people who had seen
nothing of the project (one writing as a harm-reduction outreach worker whose members text
in street and drug slang, one as a rural warmline volunteer whose members understate and
hint), and scored once under `lexicon-9` + `semantic-8` (tuned on blind-15 and blind-16)
and, at the same moment, under `lexicon-8` + `semantic-7`, before any tuning on them. Not
yet in the tuning set, so these figures are out of sample:

                                    lexicon-9 + semantic-8          lexicon-8 + semantic-7
    tier-1 shown the lines          92/100 (92 %)   90/100 (90 %)   93 (93 %)   88 (88 %)
    tier-1 answered as tier 1       82/100 (82 %)   72/100 (72 %)   76 (76 %)   65 (65 %)
    tier-2 at tier 2 or above       40/45 (89 %)    36/45 (80 %)    39 (87 %)   32 (71 %)
    hard negatives paging people    1/95 (1 %)      1/95 (1 %)      1 (1 %)     1 (1 %)
    hard negatives alarmed at all   2/95 (2 %)      4/95 (4 %)      2 (2 %)     5 (5 %)

As printed then:

    crisis guard on the blind batches: lexicon-9 + semantic-8
    blind-17.tsv (255 messages)
      tier-1 shown the crisis lines   92/100 (92%)    (target >= 97 %)
      tier-1 answered as tier 1       82/100 (82%)    (target >= 90 %)
      tier-2 at tier 2 or above       40/45 (89%)     (target >= 90 %)
      hard negatives paging people    1/95 (1%)       (target <= 1 %)
      hard negatives alarmed at all   2/95 (2%)       (target <= 5 %)
      direct questions from the model 14
    blind-18.tsv (255 messages)
      tier-1 shown the crisis lines   90/100 (90%)    (target >= 97 %)
      tier-1 answered as tier 1       72/100 (72%)    (target >= 90 %)
      tier-2 at tier 2 or above       36/45 (80%)     (target >= 90 %)
      hard negatives paging people    1/95 (1%)       (target <= 1 %)
      hard negatives alarmed at all   4/95 (4%)       (target <= 5 %)
      direct questions from the model 35

    crisis guard on the blind batches: lexicon-8 + semantic-7
    blind-17.tsv (255 messages)
      tier-1 shown the crisis lines   93/100 (93%)    (target >= 97 %)
      tier-1 answered as tier 1       76/100 (76%)    (target >= 90 %)
      tier-2 at tier 2 or above       39/45 (87%)     (target >= 90 %)
      hard negatives paging people    1/95 (1%)       (target <= 1 %)
      hard negatives alarmed at all   2/95 (2%)       (target <= 5 %)
      direct questions from the model 15
    blind-18.tsv (255 messages)
      tier-1 shown the crisis lines   88/100 (88%)    (target >= 97 %)
      tier-1 answered as tier 1       65/100 (65%)    (target >= 90 %)
      tier-2 at tier 2 or above       32/45 (71%)     (target >= 90 %)
      hard negatives paging people    1/95 (1%)       (target <= 1 %)
      hard negatives alarmed at all   5/95 (5%)       (target <= 5 %)
      direct questions from the model 31
"""

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from flows.safety.crisis import DETECTOR_VERSION, assess, semantic
from flows.safety.crisis.semantic import SemanticScorer
from flows.safety.guard import SEMANTIC_MIN_WORDS

BLIND = Path(__file__).resolve().parent.parent / "tests" / "crisis_blind"
# Batches already scored once and then added to the tuning set: their figures are in-sample.
TUNED_ON = {
    "blind-1.tsv",
    "blind-2.tsv",
    "blind-3.tsv",
    "blind-4.tsv",
    "blind-5.tsv",
    "blind-6.tsv",
    "blind-7.tsv",
    "blind-8.tsv",
    "blind-9.tsv",
    "blind-10.tsv",
    "blind-11.tsv",
    "blind-12.tsv",
    "blind-13.tsv",
    "blind-14.tsv",
    "blind-15.tsv",
    "blind-16.tsv",
}


@dataclass(frozen=True, slots=True)
class Decision:
    expected: int
    tier: int  # 1 pages people; 2 asks the direct question with the lines
    supporter: bool  # the reply for someone worried about another person, with the lines
    asked_by_model: bool
    # The semantic layer's score, where it was asked.
    score: float | None = None

    @property
    def shown_lines(self) -> bool:
        return self.tier in (1, 2) or self.supporter


def decide(scorer: SemanticScorer | None, expected: int, text: str) -> Decision:
    found = assess(text)
    if found.tier:
        return Decision(expected, found.tier, found.third_party, False)
    long_enough = len(text.split()) >= SEMANTIC_MIN_WORDS
    if scorer is None or found.cleared or not long_enough:
        return Decision(expected, 0, False, False)
    score = scorer.score_sync(text)
    if score >= semantic.PAGE:
        return Decision(expected, 1, False, True, score)
    if score >= semantic.ASK:
        return Decision(expected, 2, False, True, score)
    return Decision(expected, 0, False, False, score)


def share(part: int, whole: int) -> str:
    return f"{part}/{whole} ({part / whole:.0%})" if whole else "-"


def report(name: str, decisions: list[Decision]) -> str:
    tier1 = [d for d in decisions if d.expected == 1]
    tier2 = [d for d in decisions if d.expected == 2]
    negatives = [d for d in decisions if d.expected == 0]
    lines = [
        ("tier-1 shown the crisis lines", sum(d.shown_lines for d in tier1), tier1, ">= 97 %"),
        ("tier-1 answered as tier 1", sum(d.tier == 1 for d in tier1), tier1, ">= 90 %"),
        ("tier-2 at tier 2 or above", sum(d.tier in (1, 2) for d in tier2), tier2, ">= 90 %"),
        (
            "hard negatives paging people",
            sum(d.tier == 1 and not d.supporter for d in negatives),
            negatives,
            "<= 1 %",
        ),
        (
            "hard negatives alarmed at all",
            sum(d.shown_lines for d in negatives),
            negatives,
            "<= 5 %",
        ),
    ]
    out = [f"{name} ({len(decisions)} messages)"]
    out += [
        f"  {what:<32}{share(n, len(of)):<16}(target {target})" for what, n, of, target in lines
    ]
    out.append(
        f"  {'direct questions from the model':<32}{sum(d.asked_by_model for d in decisions)}"
    )
    scores = [d.score for d in negatives if d.score is not None]
    if scores:
        out.append(
            f"  {'highest model score, negatives':<32}{max(scores):<16.2f}"
            f"(asks at {semantic.ASK:.2f}, pages at {semantic.PAGE:.2f}; {len(scores)} scored)"
        )
    return "\n".join(out)


def main(argv: list[str]) -> None:
    scorer: SemanticScorer | None = None
    if "--lexicon-only" not in argv:
        scorer = SemanticScorer()
        scorer.load_sync()
    layers = DETECTOR_VERSION + ("" if scorer is None else f" + {semantic.SEMANTIC_VERSION}")
    print(f"crisis guard on the blind batches: {layers}")
    paths = [Path(a) for a in argv if not a.startswith("--")] or sorted(BLIND.glob("*.tsv"))
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter="\t")
            rows = [(int(r["expected_tier"]), r["text"]) for r in reader]
        name = path.name + (" — in the tuning set, in-sample" if path.name in TUNED_ON else "")
        print(report(name, [decide(scorer, tier, text) for tier, text in rows]))


if __name__ == "__main__":
    main(sys.argv[1:])
