"""all-MiniLM-L6-v2 in numpy, with the real model from the installed package: the same
embeddings as sentence-transformers, and sentence pieces that embed as they would alone."""

import json
from pathlib import Path

import numpy as np
import pytest

from flows.safety.crisis.encoder import MAX_TOKENS, PIECE_BUDGET, Encoder, model_dir

HERE = Path(__file__).parents[1]  # the tests folder, which holds the data files


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder()


def test_the_model_comes_from_the_installed_package() -> None:
    path = model_dir()
    assert "site-packages" in str(path) or "dist-packages" in str(path)
    assert (path / "model.safetensors").stat().st_size > 80_000_000


def test_the_encoder_matches_sentence_transformers(encoder: Encoder) -> None:
    # Saved by `python -m bench.semantic --write-reference` in a venv with PyTorch.
    reference = json.loads((HERE / "minilm_reference.json").read_text("utf-8"))
    assert reference["max_tokens"] == MAX_TOKENS
    for sentence, expected in zip(reference["sentences"], reference["embeddings"], strict=True):
        vector = encoder.embed(sentence)
        assert vector.shape == (384,)
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)
        assert float(vector @ np.asarray(expected, dtype=np.float32)) >= 0.999, sentence


def test_pieces_together_embed_as_each_alone(encoder: Encoder) -> None:
    pieces = encoder.pieces(
        "Tonight. I have been thinking. Bye all of you, thanks for everything."
    )
    assert len(pieces) == 2  # "Tonight." is read with the sentence after it
    together = encoder.embed_many(pieces)
    alone = np.stack([encoder.embed_many([piece])[0] for piece in pieces])
    assert np.abs(together - alone).max() < 1e-5


def test_a_message_is_cut_at_sentence_ends_within_its_budget(encoder: Encoder) -> None:
    assert [
        encoder.tokenizer.decode(p) for p in encoder.pieces("Long day. I'm done, really!")
    ] == [
        "long day. i ' m done, really!"  # "long day." is too short to stand alone
    ]
    three = encoder.pieces("Work was long today. My boss yelled.\nI want to go home now.")
    assert [encoder.tokenizer.decode(p) for p in three] == [
        "work was long today.",
        "my boss yelled.",
        "i want to go home now.",
    ]
    assert all(p[0] == encoder.cls and p[-1] == encoder.sep for p in three)
    filler = "The bus was late again and the coffee was cold at the meeting hall. " * 30
    pieces = encoder.pieces(f"I had a strange week. {filler}I want to go home now.")
    assert sum(len(piece) for piece in pieces) <= PIECE_BUDGET
    assert all(len(piece) <= MAX_TOKENS for piece in pieces)
    assert encoder.tokenizer.decode(pieces[0]) == "i had a strange week."
    assert encoder.tokenizer.decode(pieces[-1]) == "i want to go home now."
    assert encoder.pieces("") == [[encoder.cls, encoder.sep]]
