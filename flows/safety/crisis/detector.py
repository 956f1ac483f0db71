"""Risk tiers for one message, from the compositional lexicon in `patterns.toml`.

`assess(text)` returns `(tier, rule_ids)`: tier 1 (intent, plan, means, place, overdose,
goodbye, self-harm in progress), 2 (passive ideation, self-harm, hopelessness), 3 (acute
distress) or 0. Patterns are built from shared word groups (a frame of intention, an
action, an object, a place…), so one new verb or modal covers every rule that uses it.

Negation just before a match or past tense in the same clause lower the tier by one and
add a `mod.*` id; a third person in the clause lowers tier 1 to 2 (the reply is then for a
supporter, whatever the tier). On their own they never clear a tier-1 or tier-2 match (a
tier-3 match that is negated or in the past is dropped). Rules marked `present` are a wish
or a state now about a past event ("I wish the overdose last year had worked"), so a past
cue does not lower them, unless it is a habit just before the match ("I used to wish…").
What clears a match is the rest of the message: a negated match beside an affirmation of
life ("I don't want to die, I want to live"), a past one beside "it's over" ("…, 15 years
sober now"), and a match about someone else in a sentence about a story, film or song; the
assessment is then tier 0 with `mod.cleared`, which the guard does not hand to the semantic
layer. An affirmation is negated only by the word just before it: "I'm not suicidal, just
tired" is cleared, "I'm not just tired" is not. A figure of speech — a laugh beside a small
cause ("kms lol i left my keys again"), "if I have to sit through one more…", a joke said to
be one ("jk") — lowers a tier-1 match to the direct question (`mod.figure`), never further.
A match that begins with a request to the reader ("tell him it wasn't his fault") is the
speaker's own, whoever the clause named before it. Words with a dropped g ("steppin") are
read in full. Rules marked `subject = "other"` are about someone else ("kill himself") and
always count as third party; `urgent` rules (an overdose in progress) keep tier 1 when it
is someone else's.
Every message is read by the English lexicon and by the Spanish one (`patterns_es.toml`, its
companion): people switch languages mid-sentence, so each reads all of it with its own
negations, past cues, third persons and context, and the more urgent assessment decides
(ids of both when they agree on the tier). A lexicon's file may fold accents ("está" →
"esta"), leave dropped g's alone, and say in its own words who the speaker is
(`first_person`, `speaker`) and what a request to the reader is (`request`).
Deterministic and offline, so every decision can be audited.
"""

import itertools
import re
import threading
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

DETECTOR_VERSION = "lexicon-10"
# Words before a match in which a negation counts (NegEx-style window).
NEGATION_WINDOW = 4
# An affirmation is negated only by the word just before it ("not just tired"): in "I'm not
# suicidal, just tired" the "not" belongs to what it contrasts with.
AFFIRMATION_NEGATION_WINDOW = 1
# Words before a `present` rule's match in which a habitual past ("used to wish") still
# lowers it.
HABIT_WINDOW = 5
# How far either side of a match its clause is looked for, and how many matches of one rule
# are weighed: together they keep a message's cost linear in its length, whatever it
# repeats (a 4 KB message of one phrase over and over once cost 0.1 s of the event loop).
CLAUSE_REACH = 240
MATCHES_PER_RULE = 8
# Only this much of a message is read (a 100 KB paste costs what 4 KB does).
TEXT_LIMIT = 4000
_EDGE_BEFORE = r"(?<![\w'])"
_EDGE_AFTER = r"(?![\w'])"
# `{name}` in a pattern stands for the word group `name` (or a subject's binding).
_WORD_REF = re.compile(r"\{([a-z_]+)\}")
# A first-person subject between a third-party cue and a match makes it the
# speaker's own ("my sponsor doesn't know I want to die").
_FIRST_PERSON = re.compile(r"(?<![\w'])i(?:'m|'ve|'d|'ll)?(?![\w'])")
# A match that itself names the speaker ("…better off without me") is the speaker's own,
# whoever the clause began with.
_SPEAKER_IN_MATCH = re.compile(r"(?<![\w'])(?:i|i'm|i've|i'd|i'll|me|my|myself|mine)(?![\w'])")
# A match that begins with a request to the reader ("tell him it wasn't his fault") is the
# speaker's own, whoever the clause named before it ("if my sponsor asks, tell him…").
_REQUEST = re.compile(r"(?:please )?(?:tell|make sure|let|say to)(?![\w'])")
# Where a sentence ends, for story and film context.
_SENTENCE_END = re.compile(r"[.!?\n]")
# A word with its g dropped ("steppin", "parkin"): three letters or more ending in a
# consonant, then "in".
_DROPPED_G = re.compile(r"(?<![\w'])([a-z]{2,}[b-df-hj-np-tv-z])in(?![\w'])")
# Letters-only runs that may be words run together ("killmyself", "iwanttodie").
_JOINED_CANDIDATE = re.compile(r"(?<![a-z'])[a-z]{5,40}(?![a-z'])")
SUBJECTS = ("self", "other")
THIRD = "mod.third_party"
FIGURE = "mod.figure"
CLEARED = "mod.cleared"


class Assessment(NamedTuple):
    tier: int
    rule_ids: tuple[str, ...]

    @property
    def overdose(self) -> bool:
        return any(".overdose" in rule for rule in self.rule_ids)

    @property
    def third_party(self) -> bool:
        return THIRD in self.rule_ids

    @property
    def cleared(self) -> bool:
        """Words the lexicon matched and the rest of the message cleared ("I don't want to
        die, I want to live"): nothing to act on, and not for the semantic layer to undo."""
        return self.tier == 0 and CLEARED in self.rule_ids

    @property
    def lowered(self) -> bool:
        return any(rule.startswith("mod.") for rule in self.rule_ids)


@dataclass(frozen=True, slots=True)
class _Rule:
    id: str
    tier: int
    category: str
    meaning: str
    pattern: re.Pattern[str]
    # "other": the rule describes someone else, so it is always third party.
    subject: str = "self"
    # Someone else's emergency in progress: a third person does not lower it.
    urgent: bool = False
    # Needed elsewhere in the message (not overlapping the match, not negated).
    accompanied_by: re.Pattern[str] | None = None
    # Anywhere in the message, these make the match something else.
    unless: re.Pattern[str] | None = None
    # A wish or a state now about a past event: past cues do not lower it.
    present: bool = False


class _Found(NamedTuple):
    rule: _Rule
    mods: tuple[str, ...]


def _alternatives(value: str | list[str]) -> str:
    return value if isinstance(value, str) else "|".join(value)


def _phrases(words: list[str]) -> re.Pattern[str]:
    if not words:
        return re.compile(r"(?!)")  # an empty list matches nothing
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(f"{_EDGE_BEFORE}(?:{alternatives}){_EDGE_AFTER}")


class _Lexicon:
    """Expands `{name}` references: a subject's binding first, then the word groups."""

    def __init__(self, words: dict[str, Any], bindings: dict[str, dict[str, str]]) -> None:
        self._words = {name: _alternatives(value) for name, value in words.items()}
        self._bindings = bindings
        self._done: dict[tuple[str, str], str] = {}

    def expand(self, pattern: str, subject: str = "self", seen: tuple[str, ...] = ()) -> str:
        def lookup(found: re.Match[str]) -> str:
            name = found.group(1)
            key = (subject, name)
            if key in self._done:
                return self._done[key]
            if name in seen:
                raise ValueError(f"word group {{{name}}} refers to itself in {pattern!r}")
            bound = self._bindings.get(subject, {})
            if name in bound:
                raw = bound[name]
            elif name in self._words:
                raw = self._words[name]
            else:
                raise ValueError(f"unknown word group {{{name}}} in pattern {pattern!r}")
            self._done[key] = f"(?:{self.expand(raw, subject, (*seen, name))})"
            return self._done[key]

        return _WORD_REF.sub(lookup, pattern)

    def compile(self, patterns: list[str], subject: str = "self") -> re.Pattern[str]:
        return re.compile(
            "|".join(f"{_EDGE_BEFORE}(?:{self.expand(p, subject)}){_EDGE_AFTER}" for p in patterns)
        )


class RiskDetector:
    def __init__(self, data: dict[str, Any]) -> None:
        bindings = {
            subject: dict(data.get("subjects", {}).get(subject, {})) for subject in SUBJECTS
        }
        lexicon = _Lexicon(dict(data.get("words", {})), bindings)
        self.rules = [self._rule(lexicon, rule) for rule in data["rule"]]
        self.meanings = {rule.id: rule.meaning for rule in self.rules}
        modifiers = data["modifiers"]
        self._negation = _phrases(modifiers["negations"])
        self._pseudo = _phrases(modifiers.get("pseudo_negations", []))
        self._past = _phrases(modifiers["past"])
        self._habit = _phrases(modifiers.get("habitual_past", []))
        # Past cues that need a pattern ("5 yrs ago", "back in 2019", "in my 20s").
        self._past_patterns = lexicon.compile(modifiers.get("past_patterns", ["(?!)"]))
        self._third = _phrases(modifiers["third_party"])
        breaks = sorted(modifiers["clause_breaks"], key=len, reverse=True)
        self._breaks = re.compile("|".join(re.escape(b) for b in breaks))
        context = data.get("context", {})
        self._story = lexicon.compile(context.get("story", ["(?!)"]))
        self._reassurance = lexicon.compile(context.get("reassurance", ["(?!)"]))
        self._recovered = lexicon.compile(context.get("recovered", ["(?!)"]))
        self._figure = lexicon.compile(context.get("figure", ["(?!)"]))
        normalise = data.get("normalise", {})
        shorthand: dict[str, str] = dict(normalise.get("shorthand", {}))
        self._shorthand = shorthand
        self._shorthand_words = _phrases(list(shorthand))
        self._joined_words = frozenset(normalise.get("joined_words", []))
        self._joined_keys = frozenset(normalise.get("joined_keys", []))
        self._longest_joined = max((len(w) for w in self._joined_words), default=0)
        self._not_dropped_g = frozenset(normalise.get("not_dropped_g", []))
        # Spanish is typed with accents or without them: both are read without.
        self._fold_accents = bool(normalise.get("fold_accents", False))
        self._dropped_g = bool(normalise.get("dropped_g", True))
        # Who the speaker is, in this lexicon's language (English by default).
        self._first_person = (
            lexicon.compile([modifiers["first_person"]])
            if "first_person" in modifiers
            else _FIRST_PERSON
        )
        self._speaker = (
            lexicon.compile([modifiers["speaker"]])
            if "speaker" in modifiers
            else _SPEAKER_IN_MATCH
        )
        self._request = (
            re.compile(lexicon.expand(modifiers["request"]))
            if "request" in modifiers
            else _REQUEST
        )
        self.companions: tuple[RiskDetector, ...] = ()

    @staticmethod
    def _rule(lexicon: _Lexicon, rule: dict[str, Any]) -> _Rule:
        subject = rule.get("subject", "self")
        if subject not in SUBJECTS:
            raise ValueError(f"rule {rule['id']}: subject must be one of {SUBJECTS}")
        return _Rule(
            id=rule["id"],
            tier=int(rule["tier"]),
            category=rule["category"],
            meaning=rule.get("meaning", ""),
            pattern=lexicon.compile(rule["patterns"], subject),
            subject=subject,
            urgent=bool(rule.get("urgent", False)),
            accompanied_by=lexicon.compile(rule["with"], subject) if "with" in rule else None,
            unless=lexicon.compile(rule["unless"], subject) if "unless" in rule else None,
            present=bool(rule.get("present", False)),
        )

    @classmethod
    def from_file(cls, path: Path | None = None) -> "RiskDetector":
        if path is None:
            raw = (resources.files("flows.safety.crisis") / "patterns.toml").read_text("utf-8")
        else:
            raw = path.read_text("utf-8")
        return cls(tomllib.loads(raw))

    # --- normalisation -------------------------------------------------------------

    def _split_joined(self, word: str) -> str:
        """ "killmyself" → "kill myself", when the word is made only of known pieces."""
        if word in self._joined_words:
            return word
        # fewest[i]: the shortest split of word[:i] into known pieces, if any.
        fewest: list[list[str] | None] = [[]] + [None] * len(word)
        for end in range(1, len(word) + 1):
            for start in range(max(0, end - self._longest_joined), end):
                head = fewest[start]
                piece = word[start:end]
                if head is not None and piece in self._joined_words:
                    candidate = [*head, piece]
                    best = fewest[end]
                    if best is None or len(candidate) < len(best):
                        fewest[end] = candidate
        pieces = fewest[-1]
        if pieces and len(pieces) > 1 and self._joined_keys.intersection(pieces):
            return " ".join(pieces)
        return word

    def _with_g(self, found: re.Match[str]) -> str:
        """ "steppin" → "stepping", unless the word is one of its own ("cousin")."""
        word = found.group()
        return word if word in self._not_dropped_g else found.group(1) + "ing"

    def _words(self, text: str) -> str:
        text = _JOINED_CANDIDATE.sub(lambda m: self._split_joined(m.group()), text)
        if self._dropped_g:
            text = _DROPPED_G.sub(self._with_g, text)
        return self._shorthand_words.sub(lambda m: self._shorthand[m.group()], text)

    def normalise(self, text: str) -> tuple[str, str]:
        """Two forms: repeated letters cut to two ("soo") and to one ("so")."""
        text = unicodedata.normalize("NFKC", text).casefold()
        if self._fold_accents:
            # "está" → "esta", "ñ" → "n": the patterns are written without accents.
            decomposed = unicodedata.normalize("NFD", text)
            text = unicodedata.normalize(
                "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
            )
        text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\ufe0f", "")
        text = re.sub(r"\s+", " ", text).strip()
        two = self._words(re.sub(r"(\w)\1{2,}", r"\1\1", text))
        one = self._words(re.sub(r"(\w)\1{2,}", r"\1", text))
        return two, one

    # --- context of one match ------------------------------------------------------

    def _clause(self, text: str, start: int, end: int) -> tuple[str, str]:
        """The clause text before the match, and the whole clause (within `CLAUSE_REACH`)."""
        left = max(0, start - CLAUSE_REACH)
        for found in self._breaks.finditer(text, left, start):
            left = found.end()
        right_match = self._breaks.search(text, end, end + CLAUSE_REACH)
        right = right_match.start() if right_match else min(len(text), end + CLAUSE_REACH)
        return text[left:start], text[left:right]

    def _negated_before(self, before: str, reach: int = NEGATION_WINDOW) -> bool:
        # Pseudo-negations ("no one", "not ok", "don't know") negate something else.
        window = self._pseudo.sub(" ", " ".join(before.split()[-reach:]))
        return bool(self._negation.search(window))

    def _modifiers(self, text: str, start: int, end: int) -> list[str]:
        before, clause = self._clause(text, start, end)
        mods = []
        if self._negated_before(before):
            mods.append("mod.negated")
        if self._past.search(clause) or self._past_patterns.search(clause):
            mods.append("mod.past")
        cues = list(self._third.finditer(before))
        if (
            cues
            and not self._first_person.search(before, cues[-1].end())
            and not self._speaker.search(text, start, end)
            and not self._request.match(text, start)
        ):
            mods.append(THIRD)
        return mods

    def _in_story(self, text: str, start: int, end: int) -> bool:
        """Whether the match's sentence is about a book, film, show, song or game."""
        left = max(0, start - CLAUSE_REACH)
        for found in _SENTENCE_END.finditer(text, left, start):
            left = found.end()
        right_match = _SENTENCE_END.search(text, end, end + CLAUSE_REACH)
        right = right_match.start() if right_match else min(len(text), end + CLAUSE_REACH)
        return bool(self._story.search(text, left, right))

    def _plain(
        self, pattern: re.Pattern[str], text: str, reach: int = NEGATION_WINDOW
    ) -> list[tuple[int, int]]:
        """Spans of `pattern` in `text` that are not negated (a bounded number)."""
        spans = []
        for found in itertools.islice(pattern.finditer(text), MATCHES_PER_RULE):
            before, _ = self._clause(text, found.start(), found.end())
            if not self._negated_before(before, reach):
                spans.append(found.span())
        return spans

    def _habitual(self, text: str, start: int) -> bool:
        """Whether a habitual past ("used to") stands just before a match."""
        before, _ = self._clause(text, start, start)
        return bool(self._habit.search(" ".join(before.split()[-HABIT_WINDOW:])))

    # --- the assessment -------------------------------------------------------------

    def _matches(self, form: str) -> list[_Found]:
        found: list[_Found] = []
        for rule in self.rules:
            if rule.unless is not None and rule.unless.search(form):
                continue
            company: list[tuple[int, int]] | None = None
            for match in itertools.islice(rule.pattern.finditer(form), MATCHES_PER_RULE):
                if rule.accompanied_by is not None:
                    if company is None:
                        company = self._plain(rule.accompanied_by, form)
                    start, end = match.span()
                    if not any(b <= start or a >= end for a, b in company):
                        continue
                mods = self._modifiers(form, match.start(), match.end())
                if rule.present and "mod.past" in mods and not self._habitual(form, match.start()):
                    mods.remove("mod.past")
                if rule.subject == "other" and THIRD not in mods:
                    mods.append(THIRD)
                if THIRD in mods and self._in_story(form, match.start(), match.end()):
                    continue  # "a character in my book killed himself"
                found.append(_Found(rule, tuple(mods)))
        return found

    def assess(self, text: str) -> Assessment:
        """This lexicon's assessment and its companions' (another language's rules read
        every message too: people switch languages mid-sentence), the most urgent first."""
        own = self.assess_own(text)
        if not self.companions:
            return own
        return _merge([own, *(other.assess_own(text) for other in self.companions)])

    def assess_own(self, text: str) -> Assessment:
        """The assessment by this lexicon's rules alone."""
        if not text or not text.strip():
            return Assessment(0, ())
        forms = tuple(dict.fromkeys(self.normalise(text[:TEXT_LIMIT])))
        found = [hit for form in forms for hit in self._matches(form)]
        if not found:
            return Assessment(0, ())
        reassured = any(
            self._plain(self._reassurance, form, AFFIRMATION_NEGATION_WINDOW) for form in forms
        )
        recovered = reassured or any(self._plain(self._recovered, form) for form in forms)
        figure = any(self._plain(self._figure, form) for form in forms)
        best = 0
        rule_ids: set[str] = set()
        for rule, mods in found:
            if THIRD not in mods:
                if "mod.negated" in mods and reassured:
                    continue  # "I don't want to die, I want to live"
                if "mod.past" in mods and recovered:
                    continue  # "years ago I overdosed; 5 years clean now"
            tier = rule.tier
            if figure and tier == 1 and not rule.urgent and THIRD not in mods:
                # "traffic made me wanna drive off a cliff haha": asked, not paged.
                mods = (*mods, FIGURE)
            if mods:
                if tier == 3 and THIRD not in mods:
                    continue  # "I'm not panicking", "a panic attack last year"
                if any(mod != THIRD for mod in mods):
                    tier = min(3, tier + 1)
                elif tier == 1 and not rule.urgent:
                    tier = 2  # someone else's danger: the supporter reply, with the lines
            rule_ids.add(rule.id)
            rule_ids.update(mods)
            if best == 0 or tier < best:
                best = tier
        if best == 0:
            return Assessment(0, (CLEARED,))
        return Assessment(best, tuple(sorted(rule_ids)))


def _merge(results: list[Assessment]) -> Assessment:
    """The most urgent of several lexicons' assessments of one message: the lowest tier
    found, with the ids of every lexicon that found it; if none found anything, cleared
    when one of them cleared a match."""
    alarms = [found for found in results if found.tier]
    if not alarms:
        return Assessment(0, (CLEARED,)) if any(r.cleared for r in results) else Assessment(0, ())
    best = min(found.tier for found in alarms)
    rule_ids = {rule for found in alarms if found.tier == best for rule in found.rule_ids}
    return Assessment(best, tuple(sorted(rule_ids)))


# Each lexicon's file, beside this one; the first reads every message with the others.
LEXICONS = ("patterns.toml", "patterns_es.toml")

_LOADING = threading.Lock()


@cache
def _load_default() -> RiskDetector:
    folder = resources.files("flows.safety.crisis")
    first, *others = (
        RiskDetector(tomllib.loads((folder / name).read_text("utf-8"))) for name in LEXICONS
    )
    first.companions = tuple(others)
    first.meanings.update(m for other in others for m in other.meanings.items())
    return first


def default_detector() -> RiskDetector:
    """The shipped lexicons (English, with Spanish as its companion), compiled once (about
    two seconds of CPU) by whichever thread asks first; the others wait for it rather than
    compile it again."""
    with _LOADING:
        return _load_default()


def assess(text: str) -> Assessment:
    """The risk tier of one message, with the ids of the rules that decided it."""
    return default_detector().assess(text)


def rule_meanings() -> dict[str, str]:
    """Each pattern rule's id with its plain-words meaning."""
    return dict(default_detector().meanings)
