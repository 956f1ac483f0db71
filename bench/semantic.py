"""The semantic layer's costs: `python -m bench.semantic`.

Prints the time to load the model and the bank (run it in a fresh process: that is what
the bot pays at start), and the CPU time per message, p50 and p95, for messages of 10,
30 and 60 words (and a few longer ones), with process CPU time (every thread counted).
The messages are made by joining the tuning set's texts, so nothing is random.

`--reference` also compares the numpy encoder with sentence-transformers, where that is
installed (never in Hearthside's own venv: run it from a scratch venv with PyTorch), and
`--write-reference FILE` saves the reference embeddings that `tests/safety/test_semantic.py`
compares the encoder with.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import time
from pathlib import Path

import numpy as np

from flows.safety.crisis.encoder import MAX_TOKENS, Encoder, model_dir
from flows.safety.crisis.semantic import ASK, PAGE, SemanticScorer

ROOT = Path(__file__).resolve().parent.parent
TUNING_SET = ROOT / "tests" / "crisis_eval.tsv"
REFERENCE_SENTENCES = (
    "I want to die",
    "this traffic is killing me",
    "I'm going to jump off the bridge tonight, goodbye everyone",
    "2 years clean today!!! 🎉",
    "Héllo wörld, naïve café",
    "ok",
    "",
    # Longer than one window: the reference truncates at MAX_TOKENS word pieces too.
    "i can't do this anymore, it's all too much and nobody listens. " * 12,
)
WORD_COUNTS = (10, 30, 60, 150, 400)


def messages_of(words: int, count: int) -> list[str]:
    """`count` messages of exactly `words` words, from the tuning set's texts in order."""
    with TUNING_SET.open(encoding="utf-8") as handle:
        pool = " ".join(r["text"] for r in csv.DictReader(handle, delimiter="\t")).split()
    return [
        " ".join(pool[(i * words + j) % len(pool)] for j in range(words)) for i in range(count)
    ]


def timings(scorer: SemanticScorer) -> None:
    # One message first, so one-off costs (page faults, lazy setup) are not counted.
    scorer.score_sync("warming up")
    for words in WORD_COUNTS:
        cpu = []
        for text in messages_of(words, 60):
            started = time.process_time()
            scorer.score_sync(text)
            cpu.append((time.process_time() - started) * 1000)
        p50, p95 = np.percentile(cpu, [50, 95])
        print(f"  {words:3d} words: CPU p50 {p50:5.1f} ms, p95 {p95:5.1f} ms")


async def load_in_background() -> tuple[float, float]:
    """Load as the bot would, on the scorer's thread, while the event loop ticks every
    millisecond: the load's wall time and the event loop's longest stall meanwhile (the
    load holds the interpreter lock in places, so the loop is not entirely free)."""
    scorer = SemanticScorer()
    started = time.perf_counter()
    task = asyncio.create_task(scorer.load())
    longest = 0.0
    last = time.perf_counter()
    while not task.done():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        longest = max(longest, now - last)
        last = now
    await task
    scorer.close()
    return time.perf_counter() - started, longest


def evict(paths: list[Path]) -> None:
    """Drop these files from the page cache, so the load reads them from disk (cold)."""
    for path in paths:
        with path.open("rb") as handle:
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def reference(write: Path | None) -> None:
    from sentence_transformers import SentenceTransformer

    encoder = Encoder()
    model = SentenceTransformer(str(model_dir()), device="cpu")
    model.max_seq_length = MAX_TOKENS
    expected = model.encode(list(REFERENCE_SENTENCES), normalize_embeddings=True)
    worst = 1.0
    for sentence, vector in zip(REFERENCE_SENTENCES, expected, strict=True):
        cosine = float(encoder.embed(sentence) @ vector)
        worst = min(worst, cosine)
        print(f"  cosine {cosine:.7f}  {sentence[:50]!r}")
    print(f"worst cosine with sentence-transformers: {worst:.7f}")
    if write is not None:
        data = {
            "about": "all-MiniLM-L6-v2 embeddings from sentence-transformers (bench/semantic.py)",
            "max_tokens": MAX_TOKENS,
            "sentences": list(REFERENCE_SENTENCES),
            "embeddings": [[round(float(v), 6) for v in row] for row in expected],
        }
        write.write_text(json.dumps(data) + "\n", "utf-8")
        print(f"wrote {write}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold", action="store_true", help="evict the model files first")
    parser.add_argument("--reference", action="store_true")
    parser.add_argument("--write-reference", type=Path)
    args = parser.parse_args()
    if args.cold:
        evict([model_dir() / "model.safetensors", model_dir() / "tokenizer.json"])
    scorer = SemanticScorer()
    wall, cpu = time.perf_counter(), time.process_time()
    scorer.load_sync()
    print(
        f"load{' (cold: model files evicted from the page cache)' if args.cold else ''}: "
        f"{time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU "
        "(model, tokenizer, bank, probe check)"
    )
    print(f"thresholds: ASK {ASK}, PAGE {PAGE}")
    timings(scorer)
    seconds, stall = asyncio.run(load_in_background())
    print(
        f"a load in the background: {seconds:.2f} s, the event loop's longest stall "
        f"{stall * 1000:.0f} ms"
    )
    if args.reference or args.write_reference:
        reference(args.write_reference)


if __name__ == "__main__":
    main()
