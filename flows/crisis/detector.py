"""Risk tiers for one message, from the patterns in `patterns.toml`.

`assess(text)` returns `(tier, rule_ids)`: tier 1 (intent, plan, means, overdose,
goodbye), 2 (passive ideation, self-harm, hopelessness), 3 (acute distress) or 0.
Negation just before a match, past tense or a third person in the same clause
lower the tier by one and add a `mod.*` id; they never clear a tier-1 or tier-2
match (a tier-3 match that is negated or in the past is dropped). Rules marked
`subject = "other"` are about someone else ("kill himself") and always count as
third party. Deterministic and offline, so every decision can be audited.
"""

import itertools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

DETECTOR_VERSION = "lexicon-2"
# Words before a match in which a negation counts (NegEx-style window).
NEGATION_WINDOW = 4
# How far either side of a match its clause is looked for, and how many matches of one rule
# are weighed: together they keep a message's cost linear in its length, whatever it
# repeats (a 4 KB message of one phrase over and over once cost 0.1 s of the event loop).
CLAUSE_REACH = 240
MATCHES_PER_RULE = 8
_EDGE_BEFORE = r"(?<![\w'])"
_EDGE_AFTER = r"(?![\w'])"
# `{name}` in a pattern stands for the `[words]` entry `name` (a regex group).
_WORD_REF = re.compile(r"\{([a-z_]+)\}")
# A first-person subject between a third-party cue and a match makes it the
# speaker's own ("my sponsor doesn't know I want to die").
_FIRST_PERSON = re.compile(r"(?<![\w'])i(?:'m|'ve|'d|'ll)?(?![\w'])")
_SHORTHAND = {
    "im": "i'm",
    "ive": "i've",
    "cant": "can't",
    "wont": "won't",
    "dont": "don't",
    "didnt": "didn't",
    "wouldnt": "wouldn't",
    "isnt": "isn't",
    "u": "you",
    "ur": "your",
    "rn": "right now",
}


class Assessment(NamedTuple):
    tier: int
    rule_ids: tuple[str, ...]

    @property
    def overdose(self) -> bool:
        return any(".overdose" in rule for rule in self.rule_ids)

    @property
    def third_party(self) -> bool:
        return "mod.third_party" in self.rule_ids

    @property
    def lowered(self) -> bool:
        return any(rule.startswith("mod.") for rule in self.rule_ids)


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    tier: int
    category: str
    pattern: re.Pattern[str]
    # "other": the rule describes someone else, so it is always third party.
    subject: str = "self"


def _words(text: str) -> str:
    return " ".join(_SHORTHAND.get(word, word) for word in text.split(" "))


def normalise(text: str) -> tuple[str, str]:
    """Two forms: repeated letters cut to two ("soo") and to one ("so")."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\ufe0f", "")
    text = re.sub(r"\s+", " ", text).strip()
    two = _words(re.sub(r"(\w)\1{2,}", r"\1\1", text))
    one = _words(re.sub(r"(\w)\1{2,}", r"\1", text))
    return two, one


def _phrases(words: list[str]) -> re.Pattern[str]:
    if not words:
        return re.compile(r"(?!)")  # an empty list matches nothing
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(f"{_EDGE_BEFORE}(?:{alternatives}){_EDGE_AFTER}")


def _expand(pattern: str, words: dict[str, str]) -> str:
    def lookup(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in words:
            raise ValueError(f"unknown word group {{{name}}} in pattern {pattern!r}")
        return f"(?:{words[name]})"

    return _WORD_REF.sub(lookup, pattern)


class RiskDetector:
    def __init__(self, data: dict[str, Any]) -> None:
        words: dict[str, str] = dict(data.get("words", {}))
        self.rules = [
            _Rule(
                id=rule["id"],
                tier=int(rule["tier"]),
                category=rule["category"],
                pattern=re.compile(
                    "|".join(
                        f"{_EDGE_BEFORE}(?:{_expand(p, words)}){_EDGE_AFTER}"
                        for p in rule["patterns"]
                    )
                ),
                subject=rule.get("subject", "self"),
            )
            for rule in data["rule"]
        ]
        modifiers = data["modifiers"]
        self._negation = _phrases(modifiers["negations"])
        self._pseudo = _phrases(modifiers.get("pseudo_negations", []))
        self._past = _phrases(modifiers["past"])
        self._third = _phrases(modifiers["third_party"])
        breaks = sorted(modifiers["clause_breaks"], key=len, reverse=True)
        self._breaks = re.compile("|".join(re.escape(b) for b in breaks))

    @classmethod
    def from_file(cls, path: Path | None = None) -> "RiskDetector":
        if path is None:
            raw = (resources.files("flows.crisis") / "patterns.toml").read_text("utf-8")
        else:
            raw = path.read_text("utf-8")
        return cls(tomllib.loads(raw))

    def _clause(self, text: str, start: int, end: int) -> tuple[str, str]:
        """The clause text before the match, and the whole clause (within `CLAUSE_REACH`)."""
        left = max(0, start - CLAUSE_REACH)
        for found in self._breaks.finditer(text, left, start):
            left = found.end()
        right_match = self._breaks.search(text, end, end + CLAUSE_REACH)
        right = right_match.start() if right_match else min(len(text), end + CLAUSE_REACH)
        return text[left:start], text[left:right]

    def _modifiers(self, text: str, start: int, end: int) -> list[str]:
        before, clause = self._clause(text, start, end)
        mods = []
        # Pseudo-negations ("no one", "not ok", "don't know") negate something else.
        window = self._pseudo.sub(" ", " ".join(before.split()[-NEGATION_WINDOW:]))
        if self._negation.search(window):
            mods.append("mod.negated")
        if self._past.search(clause):
            mods.append("mod.past")
        cues = list(self._third.finditer(before))
        if cues and not _FIRST_PERSON.search(before, cues[-1].end()):
            mods.append("mod.third_party")
        return mods

    def assess(self, text: str) -> Assessment:
        if not text or not text.strip():
            return Assessment(0, ())
        best = 0
        rule_ids: set[str] = set()
        for form in dict.fromkeys(normalise(text[:4000])):
            for rule in self.rules:
                for match in itertools.islice(rule.pattern.finditer(form), MATCHES_PER_RULE):
                    mods = self._modifiers(form, match.start(), match.end())
                    if rule.subject == "other" and "mod.third_party" not in mods:
                        mods.append("mod.third_party")
                    tier = rule.tier
                    if mods:
                        if tier == 3 and "mod.third_party" not in mods:
                            continue  # "I'm not panicking", "a panic attack last year"
                        tier = min(3, tier + 1)
                    rule_ids.add(rule.id)
                    rule_ids.update(mods)
                    if best == 0 or tier < best:
                        best = tier
        if best == 0:
            return Assessment(0, ())
        return Assessment(best, tuple(sorted(rule_ids)))


@cache
def default_detector() -> RiskDetector:
    return RiskDetector.from_file()


def assess(text: str) -> Assessment:
    """The risk tier of one message, with the ids of the rules that decided it."""
    return default_detector().assess(text)
