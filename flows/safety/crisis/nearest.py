"""The semantic layer's scores: a soft nearest-exemplar vote over labelled embeddings and a
logistic-regression head on the embedding, each mapped to 0–1, and their combination.

For a unit vector v, with cosine similarities s_i to the positive exemplars and t_j to the
negative ones, the margin is  tau·log mean_i exp(s_i/tau) − tau·log mean_j exp(t_j/tau):
near the best match's similarity on each side when tau is small, an average when it is
large. A logistic maps the margin to 0–1; another maps the head's logit. Shared by the
scorer (`flows.safety.crisis.semantic`) and its training (`bench/train_semantic.py`), so
both compute exactly the same number.
"""

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
# The bank stores unit rows as int8 (value × 127): half the bytes of float16, and the
# cosines move by well under 0.01, which cross-validation measures on the stored form.
QUANTUM = 127.0


def quantize(rows: NDArray[np.float32]) -> NDArray[np.int8]:
    """Unit rows to int8, for the bank file."""
    result: NDArray[np.int8] = np.clip(np.rint(rows * QUANTUM), -127, 127).astype(np.int8)
    return result


def dequantize(rows: NDArray[np.int8] | NDArray[np.float32]) -> NDArray[np.float32]:
    """int8 rows (or already float ones) back to unit float32 rows."""
    floats = rows.astype(np.float32)
    if rows.dtype == np.int8:
        floats /= QUANTUM
    norms = np.linalg.norm(floats, axis=1, keepdims=True)
    result: NDArray[np.float32] = floats / np.maximum(norms, 1e-12)
    return result


def log_mean_exp(similarity: NDArray[np.float32], tau: float) -> Floats:
    """tau·log(mean(exp(similarity/tau))) along the last axis, without overflow."""
    scaled = similarity.astype(np.float64) / tau
    top = scaled.max(axis=-1, keepdims=True)
    mean = np.exp(scaled - top).mean(axis=-1)
    result: Floats = tau * (top[..., 0] + np.log(mean))
    return result


def margins(
    embeddings: NDArray[np.float32],
    positives: NDArray[np.float32],
    negatives: NDArray[np.float32],
    tau: float,
) -> Floats:
    """The margin of each row of `embeddings` (unit rows, as are the exemplars')."""
    return log_mean_exp(embeddings @ positives.T, tau) - log_mean_exp(
        embeddings @ negatives.T, tau
    )


def logistic(margin: Floats, slope: float, intercept: float) -> Floats:
    result: Floats = 1.0 / (1.0 + np.exp(-(slope * margin + intercept)))
    return result


def head_logits(embeddings: NDArray[np.float32], weights: Floats, bias: float) -> Floats:
    """The logistic head's logit of each row of `embeddings`: a linear score fitted by
    `bench/train_semantic.py` (L2-regularised logistic regression on the unit rows)."""
    result: Floats = embeddings.astype(np.float64) @ weights + bias
    return result


def combine(method: str, vote: Floats, head: Floats, vote_weight: float = 0.5) -> Floats:
    """The calibrated score the layer reports, from the vote's and the head's (both 0–1):
    one of them, their maximum, their mean, or a mean weighted `vote_weight` to the vote."""
    if method == "vote":
        return vote
    if method == "head":
        return head
    if method == "max":
        result: Floats = np.maximum(vote, head)
        return result
    if method == "mean":
        mean: Floats = (vote + head) / 2
        return mean
    if method == "weighted":
        weighted: Floats = vote_weight * vote + (1 - vote_weight) * head
        return weighted
    raise ValueError(f"unknown semantic method {method!r}")
