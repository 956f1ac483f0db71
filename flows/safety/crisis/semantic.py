"""The crisis detector's semantic layer: how close a message's meaning is to labelled ones.

A message is embedded with all-MiniLM-L6-v2 (`flows.safety.crisis.encoder`, numpy, offline) and
compared with the embeddings of the labelled messages in `tests/crisis_eval.tsv`, kept in
`semantic_bank.npz`. Two scores come of it: a soft nearest-exemplar vote (the log-mean-exp
of its cosine similarity to the messages that need the direct question, tier 1 and tier 2
about the speaker now, minus the same over the rest: hard negatives, acute distress, and
negated, past or third-party tier-2 phrasing, with temperature `tau`), and a logistic-
regression head on the embedding (`semantic_head.npz`, fitted on the same labels), each
mapped to 0–1 by a logistic fitted on held-out scores. `semantic.json` says which of them,
or which combination (their max, their mean or a mean weighted `vote_weight` to the vote),
is the layer's score, and holds `tau`, the logistics and the thresholds, all chosen by
grouped cross-validation in `bench/train_semantic.py`, which rebuilds all three files.

- `ASK`: at or above it, a message the lexicon did not flag deserves the tier-2 direct
  question ("Are you thinking about ending your life?") with the lines.
- `PAGE`: at or above it (far rarer; at most 0.2 % of the held-out hard negatives and
  acute-distress messages reach it), the guard pages humans as for tier 1.
- `CONTEXT_ASK`: after a recent sign of risk, the direct question is asked from this lower bar.

The lexicon stays first: the score is meant for messages the lexicon found nothing in, and
never lowers or overrides a lexicon verdict (the lexicon knows negation, tense and third
parties; embeddings barely do). Until `load()` has finished, `score()` returns None and
the lexicon serves alone. The score is computed on one worker thread, off the event loop.
A safety event stores `rule_id(score)` ("semantic.ask.0.8": the layer and a 0.1-wide
band), never the text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from flows.safety.crisis.encoder import Encoder, ModelMissing, one_blas_thread
from flows.safety.crisis.nearest import combine, dequantize, head_logits, logistic, margins

if TYPE_CHECKING:
    from pathlib import Path

    from numpy.typing import NDArray

log = logging.getLogger(__name__)

PARAMS_FILE = "semantic.json"
BANK_FILE = "semantic_bank.npz"
HEAD_FILE = "semantic_head.npz"
# The installed model must embed the probe sentence as it did when the bank was built:
# another model (or a broken forward pass) would make every score meaningless.
PROBE_MIN_COSINE = 0.999


def _read_params(raw: str | None = None) -> dict[str, Any]:
    if raw is None:
        raw = (resources.files("flows.safety.crisis") / PARAMS_FILE).read_text("utf-8")
    params: dict[str, Any] = json.loads(raw)
    return params


_PARAMS = _read_params()
SEMANTIC_VERSION: str = _PARAMS["version"]
ASK: float = float(_PARAMS["ask"])
PAGE: float = float(_PARAMS["page"])
# The lower bar after a recent sign of risk, chosen on held-out scores like the others.
CONTEXT_ASK: float = float(_PARAMS.get("context_ask", ASK))


def rule_id(score: float) -> str:
    """What a safety event stores for a semantic hit: the layer, the threshold it passed
    and the score's band ("semantic.page.0.9", "semantic.ask.0.7")."""
    level = "page" if score >= PAGE else "ask" if score >= ASK else "below"
    band = min(9, max(0, math.floor(score * 10))) / 10
    return f"semantic.{level}.{band:.1f}"


def meaning(rule_id: str) -> str:
    """A semantic rule id in plain words, for a member's /export."""
    parts = rule_id.split(".", 2)
    closeness = parts[2] if len(parts) == 3 else "?"
    level = parts[1] if len(parts) == 3 else ""
    if level == "page":
        what = "were very close in meaning to messages from someone in immediate danger"
    elif level == "ask":
        what = "were close in meaning to messages from someone thinking of ending their life"
    else:
        what = "were compared in meaning with messages from people in danger"
    return f"the words {what} (closeness {closeness} on a scale from 0 to 1)"


@dataclass(frozen=True, slots=True)
class _Bank:
    positives: NDArray[np.float32]  # (p, 384) unit rows
    negatives: NDArray[np.float32]  # (q, 384)
    tau: float
    slope: float
    intercept: float
    head_weights: NDArray[np.float64]  # (384,)
    head_bias: float
    head_slope: float
    head_intercept: float
    method: str
    vote_weight: float


class SemanticScorer:
    """The semantic layer for the guard: `await load()` once, then `await score(text)`.

    `load()` and every `score()` run on one worker thread of the scorer's own, so a
    message's forward pass (10–30 ms of CPU) never blocks the event loop and scoring
    never takes more than one of the machine's cores.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        bank_path: Path | None = None,
        head_path: Path | None = None,
    ) -> None:
        self._model_path = model_path
        self._bank_path = bank_path
        self._head_path = head_path
        self._encoder: Encoder | None = None
        self._bank: _Bank | None = None
        self._failed: str | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="semantic")
        self.load_seconds: float | None = None

    @property
    def ready(self) -> bool:
        return self._encoder is not None and self._bank is not None

    @property
    def failure(self) -> str | None:
        """Why loading failed (an exception's class and message; never a member's words)."""
        return self._failed

    async def load(self) -> bool:
        """Load the model and the bank off the event loop; True once ready.

        A missing or mismatched model is logged and leaves the scorer unready (the lexicon
        then serves alone); it never raises.
        """
        if self.ready:
            return True
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._executor, self.load_sync)
        except Exception as exc:
            self._failed = f"{type(exc).__name__}: {exc}"
            log.warning("semantic_unavailable reason=%s", type(exc).__name__)
            return False
        log.info("semantic_ready version=%s seconds=%.2f", SEMANTIC_VERSION, self.load_seconds)
        return True

    def load_sync(self) -> None:
        """Load in the calling thread (used by `load()`, the bench and training)."""
        if self.ready:
            return
        started = time.perf_counter()
        one_blas_thread()
        encoder = Encoder(self._model_path)
        bank = self._read_bank(encoder)
        self._encoder, self._bank = encoder, bank
        self.load_seconds = time.perf_counter() - started

    @staticmethod
    def _arrays(path: Path | None, name: str) -> dict[str, NDArray[Any]]:
        if path is None:
            source = resources.files("flows.safety.crisis") / name
            with resources.as_file(source) as packaged, np.load(packaged) as data:
                return {key: data[key] for key in data.files}
        with np.load(path) as data:
            return {key: data[key] for key in data.files}

    def _read_bank(self, encoder: Encoder) -> _Bank:
        arrays = self._arrays(self._bank_path, BANK_FILE)
        head = self._arrays(self._head_path, HEAD_FILE)
        probe = encoder.embed(str(_PARAMS["probe"]))
        expected = arrays["probe"].astype(np.float32)
        cosine = float(probe @ expected)
        if cosine < PROBE_MIN_COSINE:
            raise ModelMissing(f"the installed model embeds the probe at cosine {cosine:.4f}")
        embeddings = dequantize(arrays["embeddings"])
        labels = arrays["labels"].astype(bool)
        return _Bank(
            positives=np.ascontiguousarray(embeddings[labels]),
            negatives=np.ascontiguousarray(embeddings[~labels]),
            tau=float(_PARAMS["tau"]),
            slope=float(_PARAMS["slope"]),
            intercept=float(_PARAMS["intercept"]),
            head_weights=head["weights"].astype(np.float64),
            head_bias=float(head["bias"][0]),
            head_slope=float(_PARAMS["head_slope"]),
            head_intercept=float(_PARAMS["head_intercept"]),
            method=str(_PARAMS["method"]),
            vote_weight=float(_PARAMS.get("vote_weight", 0.5)),
        )

    async def score(self, text: str) -> float | None:
        """0–1, higher when the message reads like one that needs the direct question;
        None while the model is still loading (or could not load), and None rather than an
        exception if scoring fails: the lexicon's answer must never wait on this layer."""
        if not self.ready:
            return None
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, self.score_sync, text)
        except Exception as exc:
            log.warning("semantic_error reason=%s", type(exc).__name__)
            return None

    def score_sync(self, text: str) -> float:
        """The score, computed in the calling thread (for the bench and training)."""
        encoder, bank = self._encoder, self._bank
        if encoder is None or bank is None:
            raise RuntimeError("the semantic scorer is not loaded")
        # Each sentence is scored on its own; the most worrying one counts.
        pieces = encoder.embed_pieces(text)
        vote = logistic(
            margins(pieces, bank.positives, bank.negatives, bank.tau), bank.slope, bank.intercept
        )
        head = logistic(
            head_logits(pieces, bank.head_weights, bank.head_bias),
            bank.head_slope,
            bank.head_intercept,
        )
        return float(combine(bank.method, vote, head, bank.vote_weight).max())

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
