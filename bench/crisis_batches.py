"""Leave one blind batch out: `python -m bench.crisis_batches [--patterns PATH] [PATH ...]`.

How the guard generalises from batch to batch, estimated on the batches already scored. For
each blind batch in tests/crisis_blind/ (or each PATH), the semantic layer's bank is
rebuilt without the batch: every tuning-set message that is one of the batch's (in any
casing) or within cosine `GROUP_COSINE` of one of them is left out, and the logistic head
is refitted on the rest (same penalty). The batch is then scored as the guard decides
without recent context (as `bench.crisis_blind` does), with the shipped temperature,
calibrations and thresholds (`ASK`, `PAGE`): those were chosen by cross-validation on the
whole tuning set, so they have seen the batch, which flatters these figures a little.

The lexicon is the shipped one, tuned on every scored batch, so its part of the figures is
in-sample. `--patterns PATH` scores another lexicon file instead (an earlier detector's
`patterns.toml`, from `git show <commit>:flows/safety/crisis/patterns.toml`): for the
batches that lexicon was never tuned on, the figures are then held out in both layers.
`--semantic-only` leaves the lexicon out: the semantic layer alone, each batch held out, is
how far the model reaches across writers (the grouped folds of `bench.train_semantic` mix
every writer's messages). Prints figures only, never a message.
"""

import argparse
import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from bench.crisis_blind import BLIND, Decision, report
from bench.train_semantic import GROUP_COSINE, fit_head, read_rows
from flows.safety.crisis import DETECTOR_VERSION, Assessment, assess
from flows.safety.crisis.detector import RiskDetector
from flows.safety.crisis.encoder import Encoder, one_blas_thread
from flows.safety.crisis.nearest import combine, dequantize, head_logits, logistic, margins
from flows.safety.guard import SEMANTIC_MIN_WORDS

CRISIS_DIR = Path(__file__).resolve().parent.parent / "flows" / "safety" / "crisis"


@dataclass(frozen=True, slots=True)
class Bank:
    """The semantic layer's exemplars and head, as the scorer holds them."""

    positives: NDArray[np.float32]
    negatives: NDArray[np.float32]
    head_weights: NDArray[np.float64]
    head_bias: float


class HeldOutScorer:
    """Scores as `SemanticScorer.score_sync` does, with a bank that leaves rows out."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.params = json.loads((CRISIS_DIR / "semantic.json").read_text("utf-8"))
        with np.load(CRISIS_DIR / "semantic_bank.npz") as data:
            self.embeddings = dequantize(data["embeddings"])
        self.rows = read_rows()
        self.labels = self.rows.positive
        if len(self.embeddings) != len(self.rows.texts):
            raise SystemExit("the bank is not built from tests/crisis_eval.tsv: retrain it")

    def without(self, texts: list[str]) -> Bank:
        """The bank with the given messages, and every near duplicate of them, left out."""
        wanted = {text.casefold() for text in texts}
        own = np.array([text.casefold() in wanted for text in self.rows.texts])
        keep = ~own
        if own.any():
            close = (self.embeddings @ self.embeddings[own].T).max(axis=1) >= GROUP_COSINE
            keep &= ~close
        x, y = self.embeddings[keep], self.labels[keep]
        weights, bias = fit_head(x, y, float(self.params["head_penalty"]))
        return Bank(
            np.ascontiguousarray(x[y]),
            np.ascontiguousarray(x[~y]),
            weights.astype(np.float64),
            bias,
        )

    def score(self, bank: Bank, text: str) -> float:
        p = self.params
        pieces = self.encoder.embed_pieces(text)
        vote = logistic(
            margins(pieces, bank.positives, bank.negatives, float(p["tau"])),
            float(p["slope"]),
            float(p["intercept"]),
        )
        head = logistic(
            head_logits(pieces, bank.head_weights, bank.head_bias),
            float(p["head_slope"]),
            float(p["head_intercept"]),
        )
        return float(combine(str(p["method"]), vote, head, float(p["vote_weight"])).max())


def decide(
    lexicon: Callable[[str], Assessment],
    scorer: HeldOutScorer,
    bank: Bank,
    expected: int,
    text: str,
) -> Decision:
    """As `bench.crisis_blind.decide`, with the given lexicon and a held-out bank."""
    found = lexicon(text)
    if found.tier:
        return Decision(expected, found.tier, found.third_party, False)
    if found.cleared or len(text.split()) < SEMANTIC_MIN_WORDS:
        return Decision(expected, 0, False, False)
    score = scorer.score(bank, text)
    if score >= float(scorer.params["page"]):
        return Decision(expected, 1, False, True)
    if score >= float(scorer.params["ask"]):
        return Decision(expected, 2, False, True)
    return Decision(expected, 0, False, False)


def no_lexicon(text: str) -> Assessment:
    """A lexicon that finds nothing, for `--semantic-only`."""
    return Assessment(0, ())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patterns", type=Path, help="score this lexicon file instead")
    parser.add_argument("--semantic-only", action="store_true", help="leave the lexicon out")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    lexicon = assess
    name = DETECTOR_VERSION
    if args.patterns is not None:
        lexicon = RiskDetector.from_file(args.patterns).assess
        name = f"the lexicon in {args.patterns}"
    if args.semantic_only:
        lexicon, name = no_lexicon, "no lexicon"
    one_blas_thread()
    scorer = HeldOutScorer(Encoder())
    print(
        f"crisis guard, each batch left out of the semantic bank: {name} + "
        f"{scorer.params['version']} (thresholds as shipped)"
    )
    paths = args.paths or sorted(BLIND.glob("*.tsv"), key=lambda p: int(p.stem.split("-")[-1]))
    pooled: list[Decision] = []
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            rows = [
                (int(r["expected_tier"]), r["text"])
                for r in csv.DictReader(handle, delimiter="\t")
            ]
        bank = scorer.without([text for _, text in rows])
        decisions = [decide(lexicon, scorer, bank, tier, text) for tier, text in rows]
        pooled += decisions
        print(report(path.name, decisions))
    if len(paths) > 1:
        print(report(f"all {len(paths)} batches, each left out in turn", pooled))


if __name__ == "__main__":
    main()
