"""The crisis detector against the project's labelled evaluation set."""

import csv
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from flows.safety.crisis import assess
from flows.safety.crisis.detector import RiskDetector

EVAL_SET = Path(__file__).parents[1] / "crisis_eval.tsv"
# The development set: written before the lexicon-3 patterns and never tuned on. Its
# figures are reported by bench/crisis_eval.py; here only its shape is held.
DEV_SET = Path(__file__).parents[1] / "crisis_dev.tsv"
# The false-positive budget: at most 2 % of the hard negatives (tier 0) may be flagged
# at any tier, and none at tier 1. Tier-1 recall must stay at 100 %.
FALSE_POSITIVE_BUDGET = 0.02
NEGATIVE_CATEGORIES = {
    "greeting", "hyperbole", "recovery_talk", "medical", "everyday", "negated", "past",
    "third_party", "media", "games", "medication", "affirmation",
}  # fmt: skip


def cases(path: Path = EVAL_SET) -> list[tuple[int, str, str]]:
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(int(r["expected_tier"]), r["category"], r["text"]) for r in rows]


def test_the_set_is_substantial() -> None:
    rows = cases()
    tiers = [tier for tier, _, _ in rows]
    assert len(rows) >= 400
    assert tiers.count(1) >= 150 and tiers.count(2) >= 50 and tiers.count(3) >= 30
    assert tiers.count(0) >= 200
    assert {category for tier, category, _ in rows if tier == 0} == NEGATIVE_CATEGORIES
    texts = [text for _, _, text in rows]
    assert len(texts) == len(set(texts))


def test_the_development_set_is_kept_apart() -> None:
    dev = cases(DEV_SET)
    assert len(dev) >= 120
    assert {tier for tier, _, _ in dev} == {0, 1, 2, 3}
    dev_texts = [text.casefold() for _, _, text in dev]
    assert len(dev_texts) == len(set(dev_texts))
    # No message of the development set is in the tuning set, in any casing.
    assert not (set(dev_texts) & {text.casefold() for _, _, text in cases()})


def test_tier1_recall_is_total() -> None:
    missed = [text for tier, _, text in cases() if tier == 1 and assess(text).tier != 1]
    assert missed == []


def test_false_positives_within_budget() -> None:
    negatives = [text for tier, _, text in cases() if tier == 0]
    flagged = [text for text in negatives if assess(text).tier != 0]
    assert not [text for text in negatives if assess(text).tier == 1]
    assert len(flagged) <= FALSE_POSITIVE_BUDGET * len(negatives), flagged


def test_tier2_and_tier3_recall() -> None:
    for expected in (2, 3):
        texts = [text for tier, _, text in cases() if tier == expected]
        caught = [t for t in texts if 0 < assess(t).tier <= expected]
        assert len(caught) >= 0.9 * len(texts), set(texts) - set(caught)


@pytest.mark.parametrize(
    ("text", "tier", "modifier"),
    [
        ("nobody cares and I want to die", 1, None),
        ("I'm not suicidal", 2, "mod.negated"),
        ("I used to want to die", 2, "mod.past"),
        ("my friend said she wants to die", 2, "mod.third_party"),
        # Pseudo-negations negate something else; "I" after a third party is the speaker.
        ("i'm not ok i want to die", 1, None),
        ("no one cares i want to die", 1, None),
        ("my sponsor doesn't know i want to die", 1, None),
        # Rules about someone else always count as third party.
        ("he said he's going to kill himself", 2, "mod.third_party"),
        ("i think my roommate overdosed", 2, "mod.third_party"),
        # Tier 2 lowered is tier 3, not nothing.
        ("i used to self harm", 3, "mod.past"),
    ],
)
def test_modifiers_lower_but_never_clear(text: str, tier: int, modifier: str | None) -> None:
    result = assess(text)
    assert result.tier == tier
    if modifier:
        assert modifier in result.rule_ids and result.lowered
    else:
        assert not result.lowered


def test_overdose_and_third_party_flags() -> None:
    assert assess("I took all my pills").overdose
    assert assess("my brother took too many pills").third_party
    assert assess("my friend is overdosing").overdose
    assert assess("my friend is overdosing").third_party


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # lexicon-3: a method verb, a paraphrase or words run together are intent.
        ("i'm going to hang myself", 1),
        ("i want to stop living", 1),
        ("im done living", 1),
        ("iwanttodie", 1),
        # Means at hand, a place beside finality, a last message, giving things away.
        ("i have the rope ready", 1),
        ("i'm on the train tracks, sorry for everything", 1),
        ("by the time you read this i'll be gone", 1),
        ("gave my cat to my neighbour, i won't need anything anymore", 1),
        # Self-harm bleeding now; passive ideation and hopelessness in everyday words.
        ("so much blood i can't make it stop", 1),
        ("i feel like dying", 2),
        ("i'm such a burden to everyone", 2),
        ("i just want the pain to stop", 2),
        # Affirmations of life and stories are not a person in danger.
        ("I don't want to die, I want to live", 0),
        ("a character in my book killed himself", 0),
        ("my tooth aches so much, i just want the pain to stop", 0),
        # lexicon-4: a place with the drop, plan steps together, means with their purpose,
        # totality, someone else's overdose by its signs, wishes about waking or the past.
        ("parked at the top of the multi-storey, it's a long way down", 1),
        ("wrote my note and picked the night", 1),
        ("got the gun out, you know what it's for", 1),
        ("gonna swallow every pill in the cabinet", 1),
        ("gave my guitar to my nephew, won't be needing it", 1),
        ("my cousin is turning blue and won't respond", 1),
        ("i wish i wouldn't wake up", 2),
        ("i wish the crash had killed me", 2),
        # Someone else's passive wish keeps its tier, for the supporter reply.
        ("my friend keeps saying she wishes she was dead", 2),
        # A figure of speech asks instead of paging.
        ("lol my boss made me wanna jump off a bridge", 2),
    ],
)
def test_compositional_kinds(text: str, tier: int) -> None:
    assert assess(text).tier == tier


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # lexicon-7: a plan told by the day or the hour and doing it then, or a date chosen.
        ("thursday after group, that's when i do it. already decided", 1),
        ("tomorrow night when my wife is asleep i'm going through with it, it's all planned", 1),
        ("chose the day. the 3rd, after my last paycheck", 1),
        # Affairs settled and sendoffs: the last post, not being alive by morning.
        ("sold my truck and gave my dog to my brother. loose ends are tied", 1),
        ("cancelled my lease and deleted my socials, i'm finished here", 1),
        ("won't be posting on here anymore. take care of each other", 1),
        ("i won't be alive by morning", 1),
        # Means at hand with access or purpose; a ligature; enough gathered.
        ("my dad's rifle is in the basement and i know where the shells are. tonight", 1),
        ("the cord is already around the beam", 1),
        ("saved up my lithium for a month, i've got like 80 now", 1),
        ("its enough to not wake up and that's the point", 1),
        # The way chosen: a step before the method, a car in a closed garage, till the heart stops.
        ("gonna drive out to the quarry and jump off the ledge", 1),
        ("gonna put the truck in the garage with the engine running", 1),
        ("drinking this bottle till my heart stops", 1),
        ("tapping out of this life for good", 1),
        ("not sticking around, made up my mind", 1),
        # Severe burns and bleeding; someone else's overdose by its signs; places with the drop.
        ("burned my arm with a lighter and now the skin is black and peeling", 1),
        ("it's pouring out and i'm getting dizzy, did it again", 1),
        ("my cousin went limp and his lips are grey, what do i do", 1),
        ("on the roof of the parking garage. legs dangling. done", 1),
        ("at the river with rocks in my pockets", 1),
        ("took three bottles of my sleep meds, getting sleepy", 1),
        # Dropped g's are read in full.
        ("thinkin about hangin myself tonight", 1),
        # Tier 2: better off without me, never better, not minding dying, self-harm told,
        # someone else's warning signs.
        ("my sister would sleep better if i wasn't in the picture", 2),
        ("i'm just dead weight to this family", 2),
        ("things are never gonna get better for me", 2),
        ("if a bus hit me on the way to work i wouldn't even mind", 2),
        ("dying sounds kind of peaceful", 2),
        ("cut again last night", 2),
        ("my brother gave me his guitar and said he won't need it anymore", 2),
        ("my coworker keeps talking about wanting to die, i'm worried", 2),
        ("no light at the end of this tunnel", 2),
        # Tier 3: crying for long, cravings.
        ("been crying in my car for an hour", 3),
        ("cravings are brutal tonight", 3),
        # Hard negatives: the negation set against something small, a device, the past beside
        # the present, moving, a motel, a wedding date, a swim, a laptop, a pet, a platform.
        ("im not suicidal, just stressed about rent", 0),
        ("i'm sad but i don't want to die, just need a hug", 0),
        ("my phone is about to die, text you later", 0),
        ("first month on methadone i wanted to die. 2 years now and im doing good", 0),
        ("i used to wish i wasn't alive. now i have a job and a home", 0),
        ("gave my old clothes to my cousin since i'm moving next week", 0),
        ("checking out of the motel tonight, heading home", 0),
        ("set the date for the wedding: june 14th!", 0),
        ("we're at the lake with the kids, going in for a swim", 0),
        ("my laptop froze and won't respond, help", 0),
        ("my dog ate a bunch of chocolate and is seizing, what do i do", 0),
        ("waiting on the platform for the next train, running late", 0),
        ("saving my pills in the organizer for the week", 0),
        ("razor blades for my safety razor are on sale", 0),
    ],
)
def test_lexicon_7_families(text: str, tier: int) -> None:
    assert assess(text).tier == tier


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # lexicon-8: any dropped g is read in full, a word of its own is left as it is.
        ("thinkin about steppin off the overpass tonight", 1),
        ("waitin on the roof of the parkin garage, not climbing back down", 1),
        ("my cousin at the meeting says hi", 0),
        # Goodbyes in more words; a request to the reader is the speaker's own.
        ("so long friends. i'm out for good", 1),
        ("signing off for good. don't come looking for me", 1),
        ("tell my dad i'm sorry. won't be texting him again", 1),
        ("if my brother asks, tell him none of it was his fault. sorry", 1),
        # A cover story beside means or things given away.
        ("gave my cat to my aunt, told her i was travelling. i'm not", 1),
        # Means by purpose, plenty, access; a ligature with a time; a method looked up.
        ("bought rope today and it ain't for the garden", 1),
        ("kept my mom's sleeping pills. i know how many it takes", 1),
        ("there's a rifle in the basement and i know the combination to the cabinet", 1),
        ("tying a cord to the rafter once everyone is out", 1),
        ("googled how long drowning takes. i'm going to do it", 1),
        ("gonna take all my meds with the vodka so i don't wake up", 1),
        ("gonna go in the garage and start the car and shut the door", 1),
        # Amounts, someone else's overdose, places, plans.
        ("took 3 blister packs of ibuprofen an hour ago", 1),
        ("my uncle is limp and i can't feel a pulse, he was using", 1),
        ("standing by the lake with stones in my pockets, ready to let go", 1),
        ("got everything lined up for tonight", 1),
        ("timing it so nobody finds me before morning", 1),
        ("i'm not making it to my birthday, that's decided", 1),
        # Tier 2 in everyday words.
        ("no future for a washed up addict like me", 2),
        ("i don't even want to be alive anymore", 2),
        ("wouldn't bother me if i got hit by a truck", 2),
        ("been wanting to cut again so bad", 2),
        ("my aunt keeps talking about her funeral and i'm scared", 2),
        ("my dad would be happier without him, my brother said, i'm worried", 2),
    ],
)
def test_lexicon_8_families(text: str, tier: int) -> None:
    assert assess(text).tier == tier


@pytest.mark.parametrize(
    "text",
    [
        # lexicon-8 false alarms: "ain't" negates beside a small cause; a plain no answered.
        "i ain't thinking about killing myself, just annoyed with my boss",
        "my therapist asked if i want to die. no, i don't",
        "no i don't want to die, i just want my landlord to call me back",
        "not suicidal or anything, just real tired",
        # The past beside the present, in more words.
        "remember when i said i wanted to kms? that was 2 years ago and i'm doing better",
        "i wanted to die all through college. i'm not there anymore",
        "i was suicidal in my twenties. now i actually like my life",
        "3 years ago i had the pills counted out. today i'm holding my first grandchild",
        "used to think my family would be better off without me. now i know that was the illness",
        # A meeting share about the past.
        "shared about how close to dying i got with the fent at group tonight, people listened",
        # A place where one used to go, for what it was.
        "at the lake where we used to swim as kids, having a picnic",
    ],
)
def test_lexicon_8_false_alarms_are_cleared(text: str) -> None:
    assert assess(text).tier == 0


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        # lexicon-9: goodbyes in more words.
        ("thanks for everything guys. i'll be gone before sunrise", 1),
        ("you won't see me in group anymore. bye", 1),
        ("packed up my stuff, not coming back. love you all", 1),
        ("that was my last check in ever. so long", 1),
        ("to whoever finds this, i'm sorry", 1),
        # Things given in more words, and what won't be needed where one is going.
        ("gave my old gaming pc to my nephew, won't need it anymore", 1),
        ("texted my brother my bank pin, not gonna need cash where i'm going", 1),
        # Plans: a funeral's words chosen, a note left out, a day set.
        ("picked the songs for my funeral. doing it next week", 1),
        ("the letter is on my desk. i'll do it when my wife is at work", 1),
        ("after my shift on friday i'm going through with it", 1),
        # Overdoses: the old dose after a break, a dose doubled on purpose, "hole" for whole.
        ("first night out of detox and i used my old amount, heart is pounding", 1),
        ("tripled my seroquel on purpose tonight", 1),
        ("took the hole bottle of tylenol", 1),
        # Someone else's overdose told by more signs.
        ("my friend went down in the bathroom, lips are totally blue", 1),
        # Bleeding told by what it does, methods and intent in other words.
        ("cut my wrist and the towel is soaked already, hands going numb", 1),
        ("thinking of putting my head in the gas oven tonight", 1),
        ("made my mind up to finish my life this weekend", 1),
        ("that bridge is my way out", 1),
        ("i just want my life to be over", 1),
        # Tier 2: a heart hoped to give out, god asked, heaven, nothing ahead, a weight.
        ("i keep hoping my heart gives out while i sleep", 2),
        ("every night i ask god to take me", 2),
        ("dying seems more peaceful than this", 2),
        ("there's nothing to look forward to", 2),
        ("i'm just a burden for my family", 2),
        ("my kids would be better off with their grandma, without me", 2),
        ("made myself throw up again after dinner", 2),
        ("my brother keeps telling me nobody would miss him. i'm worried", 2),
        # Tier 3: a binge, flashbacks, loud voices.
        ("binged again tonight and i feel gross", 3),
        ("the voices are so loud right now", 3),
    ],
)
def test_lexicon_9_families(text: str, tier: int) -> None:
    assert assess(text).tier == tier


@pytest.mark.parametrize(
    "text",
    [
        # lexicon-9 false alarms: "zero" negates; bone tired is only tired; "i don't anymore".
        "zero thoughts of self harm today, just a long week",
        "not suicidal, just bone tired after the move",
        "i used to want to die. i don't anymore",
        "when i was inside i thought about killing myself. now i'm out and working",
        "back then i wanted to die every morning, now i enjoy my coffee on the porch",
        # Learning to give naloxone, and a leaflet's warning.
        "did the naloxone workshop today so now i know how to give narcan",
        "the leaflet has a warning about suicidal thoughts, so i'm keeping an eye on it",
        # Everyday things told in the new families' words.
        "not coming back to that gym, the staff are rude",
        "doctor doubled my sertraline dose",
        "we booked the venue for the wedding, going through with it in june",
        "my roommate is on the night shift so i have the place to myself",
    ],
)
def test_lexicon_9_false_alarms_are_cleared(text: str) -> None:
    assert assess(text).tier == 0


def test_one_more_shift_is_a_figure_of_speech() -> None:
    result = assess("if my boss gives me one more double i'll kms lol")
    assert result.tier == 2 and "mod.figure" in result.rule_ids


def test_a_joke_said_to_be_one_asks_rather_than_pages() -> None:
    result = assess("ugh the commute makes me want to jump off a bridge lol jk")
    assert result.tier == 2 and "mod.figure" in result.rule_ids


def test_a_habitual_past_lowers_a_present_wish() -> None:
    # "I wish the overdose had worked" is a wish now; "I used to wish…" is the past.
    assert assess("i wish the overdose had worked").tier == 2
    assert "mod.past" in assess("i used to wish i would not wake up").rule_ids


def test_someone_elses_overdose_by_signs_is_urgent() -> None:
    result = assess("my roommate is on the floor, breathing real slow and gray")
    assert result.tier == 1 and result.third_party and result.overdose


def test_a_cleared_match_says_so() -> None:
    """The guard does not ask the semantic layer about words the lexicon cleared."""
    assert assess("I don't want to die, I want to live").cleared
    assert not assess("good morning").cleared
    assert assess("lol my boss made me wanna jump off a bridge").rule_ids.count("mod.figure")


@pytest.mark.parametrize(
    "text",
    [
        "i took 40 of my sleeping pills",
        "mixed my xanax with a bottle of vodka",
        "my friend isn't breathing and her lips are blue",
        "he won't wake up after using",
    ],
)
def test_overdose_by_amount_mixture_or_signs_leads_with_the_emergency_number(text: str) -> None:
    result = assess(text)
    assert result.tier == 1 and result.overdose


def test_someone_elses_overdose_in_progress_keeps_tier_one() -> None:
    result = assess("my brother is not breathing, he took something")
    assert result.tier == 1 and result.third_party and result.overdose


@pytest.mark.parametrize("text", ["I'm not panicking", "i had a panic attack last year"])
def test_negated_or_past_distress_is_nothing_to_act_on(text: str) -> None:
    assert assess(text).tier == 0


def test_unknown_word_group_is_an_error() -> None:
    data = {
        "modifiers": {"negations": ["not"], "past": [], "third_party": [], "clause_breaks": [","]},
        "rule": [{"id": "x", "tier": 1, "category": "intent", "patterns": ["{nope} die"]}],
    }
    with pytest.raises(ValueError, match="nope"):
        RiskDetector(data)


@pytest.mark.parametrize("text", ["", "   ", "x" * 100_000, "🙂"])
def test_empty_odd_and_long_input_is_safe(text: str) -> None:
    assert assess(text).tier == 0


def test_patterns_file_is_valid() -> None:
    raw = (resources.files("flows.safety.crisis") / "patterns.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    ids = [rule["id"] for rule in data["rule"]]
    assert len(ids) == len(set(ids))
    for rule in data["rule"]:
        assert rule["tier"] in (1, 2, 3) and rule["category"] and rule["patterns"]
        assert rule.get("subject", "self") in ("self", "other")
    RiskDetector(data)  # every pattern compiles
