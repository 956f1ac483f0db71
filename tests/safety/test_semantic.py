"""The crisis detector's semantic layer, with the real model (no mock): scores that rank
danger above small talk, the lexicon-only path while the model loads or when it cannot,
scoring off the event loop, and the committed bank."""

import asyncio
import hashlib
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bench.train_semantic import threshold_for
from flows.safety.crisis import assess
from flows.safety.crisis import encoder as encoder_module
from flows.safety.crisis.nearest import combine
from flows.safety.crisis.semantic import (
    ASK,
    BANK_FILE,
    CONTEXT_ASK,
    HEAD_FILE,
    PAGE,
    SemanticScorer,
    meaning,
    rule_id,
)

HERE = Path(__file__).parents[1]  # the tests folder, which holds the data files
CRISIS_DIR = Path(encoder_module.__file__).parent
# Written by none of the labelled messages: the scorer has to generalise to rank them.
DANGER = (
    "I want to end my life tonight",
    "I hate being alive",
    "i need to die",
)
EVERYDAY = (
    "had a great meeting tonight",
    "what time is the meeting?",
    "I'm sober 90 days today 🎉",
    "thanks, see you thursday",
    "ok",
    "",
)


@pytest.fixture(scope="module")
def scorer() -> Iterator[SemanticScorer]:
    loaded = SemanticScorer()
    loaded.load_sync()
    yield loaded
    loaded.close()


def test_danger_scores_above_every_everyday_message(scorer: SemanticScorer) -> None:
    danger = [scorer.score_sync(text) for text in DANGER]
    everyday = [scorer.score_sync(text) for text in EVERYDAY]
    assert all(0.0 <= score <= 1.0 for score in danger + everyday)
    # Stated outright, the wish to die is asked about from the semantic layer alone; so,
    # since semantic-6, is the passive "I hate being alive" (which the lexicon asks about
    # anyway).
    assert min(danger) >= ASK
    assert danger[1] >= CONTEXT_ASK and assess(DANGER[1]).tier == 2
    assert max(everyday) < 0.2
    assert min(danger) > max(everyday)


def test_a_sentence_of_despair_is_not_drowned_by_small_talk(scorer: SemanticScorer) -> None:
    small_talk = (
        "Today I went to the store and cleaned the kitchen. "
        "The weather was grey but the walk with the dog was nice."
    )
    message = f"{small_talk} I want to end my life tonight."
    assert scorer._encoder is not None
    assert len(scorer._encoder.pieces(message)) == 3  # each sentence on its own
    assert scorer.score_sync(small_talk) < 0.2
    assert scorer.score_sync(message) >= ASK


def test_the_end_of_a_long_message_still_counts(scorer: SemanticScorer) -> None:
    filler = "The bus was late again and the coffee was cold at the meeting hall. " * 30
    assert scorer.score_sync(f"I had a strange week. {filler}") < 0.2
    assert (
        scorer.score_sync(f"I had a strange week. {filler}I want to end my life tonight.") >= ASK
    )


async def test_until_loaded_the_score_is_none() -> None:
    scorer = SemanticScorer()
    loading = asyncio.create_task(scorer.load())
    # The load has not run yet: the guard gets None and the lexicon serves alone.
    ready_before = scorer.ready
    assert not ready_before
    assert await scorer.score("I want to end my life tonight") is None
    assert await loading is True
    assert scorer.ready
    score = await scorer.score("I want to end my life tonight")
    assert score is not None and score >= ASK
    scorer.close()


async def test_scores_are_computed_off_the_event_loop(scorer: SemanticScorer) -> None:
    seen: list[str] = []
    assert scorer._encoder is not None
    embed = scorer._encoder.embed_many

    def recording(sequences: list[list[int]]) -> np.ndarray:
        seen.append(threading.current_thread().name)
        return embed(sequences)

    scorer._encoder.embed_many = recording  # type: ignore[method-assign]
    try:
        assert await scorer.score("what time is the meeting?") is not None
    finally:
        del scorer._encoder.embed_many
    assert seen and all(name.startswith("semantic") for name in seen)
    assert threading.current_thread().name not in seen


async def test_a_failing_score_is_none_not_an_exception(
    scorer: SemanticScorer, caplog: pytest.LogCaptureFixture
) -> None:
    assert scorer._encoder is not None

    def broken(sequences: list[list[int]]) -> np.ndarray:
        raise MemoryError

    scorer._encoder.embed_many = broken  # type: ignore[method-assign]
    try:
        with caplog.at_level(logging.WARNING, logger="flows.safety.crisis.semantic"):
            assert await scorer.score("I want to end my life tonight") is None
    finally:
        del scorer._encoder.embed_many
    # The log says what failed, never the words.
    assert [r.getMessage() for r in caplog.records] == ["semantic_error reason=MemoryError"]
    assert await scorer.score("I want to end my life tonight") is not None


async def test_a_missing_model_leaves_the_lexicon_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scorer = SemanticScorer(model_path=tmp_path)  # no model files there
    with caplog.at_level(logging.WARNING, logger="flows.safety.crisis.semantic"):
        assert await scorer.load() is False
    assert not scorer.ready
    assert scorer.failure is not None
    assert await scorer.score("I want to end my life tonight") is None
    assert [r.getMessage() for r in caplog.records] == [
        "semantic_unavailable reason=FileNotFoundError"
    ]
    scorer.close()


async def test_another_model_is_refused(tmp_path: Path) -> None:
    # A bank built with other weights would make every score meaningless: the probe
    # sentence must embed as it did when the bank was built.
    with np.load(CRISIS_DIR / BANK_FILE) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["probe"] = -arrays["probe"]
    np.savez(tmp_path / "bank.npz", **arrays)
    scorer = SemanticScorer(bank_path=tmp_path / "bank.npz")
    assert await scorer.load() is False
    assert scorer.failure is not None and "probe" in scorer.failure
    assert await scorer.score("I want to end my life tonight") is None
    scorer.close()


def test_thresholds_and_rule_ids() -> None:
    assert 0.0 < ASK < PAGE < 1.0
    assert rule_id(PAGE) == f"semantic.page.{int(PAGE * 10) / 10:.1f}"
    assert rule_id(ASK).startswith("semantic.ask.")
    assert rule_id(ASK - 1e-6).startswith("semantic.below.")
    assert rule_id(1.0) == "semantic.page.0.9"
    assert rule_id(0.0) == "semantic.below.0.0"
    assert "immediate danger" in meaning(rule_id(1.0))
    assert "ending their life" in meaning(rule_id(ASK))
    assert "0.9" in meaning("semantic.page.0.9")
    assert "0.3" in meaning("semantic.below.0.3") and "close in" not in meaning(
        "semantic.below.0.3"
    )


def test_the_weighted_mean_leans_to_the_vote_by_its_weight() -> None:
    vote, head = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert np.allclose(combine("weighted", vote, head, 0.8), [0.8, 0.2])
    assert np.allclose(combine("mean", vote, head), combine("weighted", vote, head, 0.5))
    with pytest.raises(ValueError, match="unknown"):
        combine("median", vote, head)


def test_threshold_choice_allows_at_most_the_rate() -> None:
    scores = np.array([0.99, 0.95, 0.9, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.0])
    assert threshold_for(scores, 0.0) == 0.9901  # above every one
    at_ten_percent = threshold_for(scores, 0.1)
    assert (scores >= at_ten_percent).sum() == 1
    assert 0.95 < at_ten_percent <= 0.99


def test_the_bank_is_small_and_built_from_the_current_tuning_set() -> None:
    params = json.loads((CRISIS_DIR / "semantic.json").read_text("utf-8"))
    tuning_set = (HERE / "crisis_eval.tsv").read_bytes()
    assert params["trained_on_sha256"] == hashlib.sha256(tuning_set).hexdigest(), (
        "tests/crisis_eval.tsv changed: rebuild with `python -m bench.train_semantic`"
    )
    # 384 int8 values a message, compressed: about 250 bytes each (4,858 messages: 1.19 MB).
    assert (CRISIS_DIR / BANK_FILE).stat().st_size < 1_500_000
    with np.load(CRISIS_DIR / BANK_FILE) as data:
        assert data["embeddings"].shape == (params["messages"], 384)
        assert int(data["labels"].sum()) == params["positives"]
    # The logistic head beside the bank: one weight per embedding dimension and a bias,
    # calibrated like the vote; semantic.json says which score (or combination) is used.
    assert (CRISIS_DIR / HEAD_FILE).stat().st_size < 10_000
    with np.load(CRISIS_DIR / HEAD_FILE) as data:
        assert data["weights"].shape == (384,) and data["bias"].shape == (1,)
        assert np.isfinite(data["weights"]).all()
    assert params["method"] in {"vote", "head", "max", "mean", "weighted"}
    assert params["head_slope"] > 0 and params["slope"] > 0
    assert 0.0 < params["vote_weight"] < 1.0
    curves = params["cross_validation"]["positives_at_false_alarms"]
    assert set(curves) == {"vote", "head", "max", "mean", "weighted"}
    # The score used is no worse held out than the vote alone at the ASK false-alarm rate.
    assert curves[params["method"]]["0.02"] >= curves["vote"]["0.02"]
