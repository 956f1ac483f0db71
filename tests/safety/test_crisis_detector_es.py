"""The crisis detector reading Spanish: the development set and each modifier."""

import csv
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from flows.safety.crisis import DETECTOR_VERSION, assess
from flows.safety.crisis.detector import RiskDetector, default_detector
from flows.safety.crisis.meanings import UNKNOWN, rule_meaning

ES_DEV_SET = Path(__file__).parents[1] / "crisis_es_dev.tsv"
NEGATIVE_CATEGORIES = {
    "affirmation", "everyday", "games", "greeting", "hyperbole", "media", "medication",
    "negated", "past", "recovery_talk",
}  # fmt: skip


def cases() -> list[tuple[int, str, str]]:
    with ES_DEV_SET.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [(int(r["expected_tier"]), r["category"], r["text"]) for r in rows]


def shown_lines(text: str) -> bool:
    found = assess(text)
    return found.tier in (1, 2) or found.third_party


def test_the_spanish_set_is_substantial() -> None:
    rows = cases()
    tiers = [tier for tier, _, _ in rows]
    assert len(rows) >= 300
    assert tiers.count(1) >= 120 and tiers.count(2) >= 50 and tiers.count(0) >= 110
    assert {category for tier, category, _ in rows if tier == 0} == NEGATIVE_CATEGORIES
    texts = [text.casefold() for _, _, text in rows]
    assert len(texts) == len(set(texts))


# The figures the Spanish development set meets under lexicon-10 (tuned on it, so in-sample):
# every tier-1 message shown the lines and answered as tier 1, every tier-2 message at tier 2
# or above, no hard negative paging or shown the lines. A regression fails here.
def test_spanish_tier1_messages_are_shown_the_lines_and_page() -> None:
    tier1 = [text for tier, _, text in cases() if tier == 1]
    assert [text for text in tier1 if not shown_lines(text)] == []
    assert [text for text in tier1 if assess(text).tier != 1] == []


def test_spanish_tier2_messages_are_asked() -> None:
    tier2 = [text for tier, _, text in cases() if tier == 2]
    assert [text for text in tier2 if assess(text).tier not in (1, 2)] == []


def test_spanish_tier3_messages_are_offered_a_peer() -> None:
    tier3 = [text for tier, _, text in cases() if tier == 3]
    caught = [text for text in tier3 if assess(text).tier == 3]
    assert len(caught) >= 0.95 * len(tier3)


def test_spanish_hard_negatives_neither_page_nor_alarm() -> None:
    negatives = [text for tier, _, text in cases() if tier == 0]
    assert [text for text in negatives if assess(text).tier == 1] == []
    assert [text for text in negatives if shown_lines(text)] == []


# --- intent in everyday paraphrase, and idioms ---------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ya no quiero vivir",
        "quiero matarme",
        "me quiero morir",
        "me voy a quitar la vida",
        "voy a dejar de existir hoy",
        "me voy a ahorcar",
        "voy a tirarme del puente",
        "me voy a tirar al tren",
        "me voy a aventar del edificio",
        "voy a cortarme las venas",
        "me voy a tomar todas las pastillas",
        "voy a estrellar el carro contra un arbol",
        "voy a estrellar el coche contra un muro",
    ],
)
def test_spanish_intent_and_methods_page(text: str) -> None:
    found = assess(text)
    assert found.tier == 1 and any(".es." in rule for rule in found.rule_ids)


@pytest.mark.parametrize(
    "text",
    [
        "me muero de risa",
        "me muero de vergüenza",
        "me quiero morir de la verguenza, le escribi a mi ex",
        "este trafico me mata",
        "mi jefa me va a matar si no llego",
        "me mato estudiando para el examen",
        "me voy a tirar a la alberca",
        "me voy a cortar el pelo",
    ],
)
def test_spanish_idioms_are_not_intent(text: str) -> None:
    assert assess(text).tier in (0, 3)


# --- negation, past, third person, clearing -------------------------------------------


@pytest.mark.parametrize(
    "text", ["no me quiero matar", "no voy a suicidarme", "jamás pensé en matarme así"]
)
def test_spanish_negation_lowers_a_tier(text: str) -> None:
    found = assess(text)
    assert found.tier == 2 and "mod.negated" in found.rule_ids


def test_a_pseudo_negation_is_no_negation() -> None:
    assert assess("no sé qué hacer me quiero morir").tier == 1
    assert assess("no puedo mas me quiero morir").tier == 1


@pytest.mark.parametrize(
    "text",
    [
        "hace 5 años intenté matarme",
        "de joven pensaba en matarme",
        "cuando consumia queria morirme",
    ],
)
def test_spanish_past_lowers_a_tier(text: str) -> None:
    found = assess(text)
    assert found.tier == 2 and "mod.past" in found.rule_ids


@pytest.mark.parametrize(
    "text",
    [
        "mi hermano se quiere matar",
        "mi amiga dice que ya no quiere vivir",
        "creo que ella quiere suicidarse",
        "mi hijo busco como suicidarse",
    ],
)
def test_someone_else_in_spanish_is_the_supporter_reply(text: str) -> None:
    found = assess(text)
    assert found.tier == 2 and found.third_party


def test_the_speaker_after_someone_else_is_the_speaker() -> None:
    found = assess("mi mama no sabe que me quiero matar")
    assert found.tier == 1 and not found.third_party


@pytest.mark.parametrize(
    "text",
    [
        "no me quiero morir, quiero vivir",
        "no me quiero morir, nomas estoy cansado",
        "ni de chiste me quito la vida, tengo a mis hijos",
        "nunca me quitaria la vida",
        "tranqui, no me voy a cortar",
        "hace 5 años intente quitarme la vida y hoy estoy agradecido de seguir aqui",
        "antes me cortaba, ya no",
    ],
)
def test_the_rest_of_the_message_clears_it(text: str) -> None:
    found = assess(text)
    assert found.tier == 0 and found.cleared


@pytest.mark.parametrize(
    "text",
    [
        "en la pelicula el protagonista se mata",
        "escuche un corrido de un vato que se mato por amor, bien triste la letra",
        "la cancion dice quiero morir pero es bien bonita",
    ],
)
def test_a_story_or_song_is_not_a_person(text: str) -> None:
    assert assess(text).tier == 0


@pytest.mark.parametrize(
    "text", ["me mataron en el fortnite jaja", "me tire del edificio en el gta jaja"]
)
def test_games_are_not_a_person(text: str) -> None:
    assert assess(text).tier == 0


def test_a_laugh_at_a_small_cause_asks_rather_than_pages() -> None:
    found = assess("me voy a matar jajaja el examen de mañana")
    assert found.tier == 2 and "mod.figure" in found.rule_ids


# --- overdoses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "me tome 40 pastillas",
        "me tomé todas mis pastillas de dormir",
        "mezclé xanax con tequila",
        "mi hermano no respira y tiene los labios morados",
        "mi novio se metió algo y no despierta",
    ],
)
def test_spanish_overdoses_lead_with_the_emergency_number(text: str) -> None:
    found = assess(text)
    assert found.tier == 1 and found.overdose


def test_someone_elses_overdose_in_spanish_keeps_tier_one() -> None:
    found = assess("mi amiga esta inconsciente, se tomo un frasco de pastillas")
    assert found.tier == 1 and found.third_party and found.overdose


@pytest.mark.parametrize(
    "text", ["me tome dos tylenol pal dolor de cabeza", "me tome la pastilla de la presion"]
)
def test_a_dose_is_not_an_overdose(text: str) -> None:
    assert assess(text).tier == 0


# --- how people type ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Me quiero morir.",
        "ME QUIERO MORIR",
        "me quiero moriiiir",
        "kiero matarme",
        "q ganas de matarme",
        "toy pensando en suicidarme",
        "me voy a matar xq nadie me quiere",
        "ya no qiero vivir",
        "ya me quiero ir de aqui pa siempre",
        "vos sabés que me voy a matar",
        "me voy a matar, tío, no puedo más",
        "me quiero re matar",
        "ya no quiero vivir sin puntuacion ni nada de eso",
    ],
)
def test_spanish_as_typed_on_a_phone(text: str) -> None:
    assert assess(text).tier == 1


def test_accents_are_optional() -> None:
    with_accents = assess("ya decidí quitarme la vida, está decidido")
    without = assess("ya decidi quitarme la vida, esta decidido")
    assert with_accents == without and with_accents.tier == 1


def test_a_mixed_message_is_read_by_both_lexicons() -> None:
    found = assess("I can't anymore, ya no quiero vivir")
    assert found.tier == 1 and any(".es." in rule for rule in found.rule_ids)
    english = assess("ya estoy harto, i want to kill myself")
    assert english.tier == 1 and "t1.intent.kill_myself" in english.rule_ids


def test_english_messages_are_decided_by_the_english_lexicon() -> None:
    detector = default_detector()
    for text in ["i want to die", "I'm not suicidal", "my friend said she wants to die", "hi"]:
        assert detector.assess(text) == detector.assess_own(text)


# --- the file ---------------------------------------------------------------------------


def test_spanish_patterns_file_is_valid() -> None:
    raw = (resources.files("flows.safety.crisis") / "patterns_es.toml").read_text("utf-8")
    data = tomllib.loads(raw)
    english = tomllib.loads(
        (resources.files("flows.safety.crisis") / "patterns.toml").read_text("utf-8")
    )
    ids = [rule["id"] for rule in data["rule"]]
    assert len(ids) == len(set(ids))
    assert not set(ids) & {rule["id"] for rule in english["rule"]}
    for rule in data["rule"]:
        assert ".es." in rule["id"] and rule["meaning"]
        assert rule["tier"] in (1, 2, 3) and rule["category"] and rule["patterns"]
    RiskDetector(data)  # every pattern compiles


def test_every_spanish_rule_has_its_meaning_for_an_export() -> None:
    spanish = default_detector().companions[0]
    assert spanish.rules
    for rule in spanish.rules:
        assert rule_meaning(rule.id) not in ("", UNKNOWN)


def test_the_detector_version_says_spanish_was_added() -> None:
    assert DETECTOR_VERSION == "lexicon-10"


# Messages written while the Spanish lexicon was built, beside the development set: intent,
# methods, overdoses, goodbyes and hard negatives in several countries' Spanish and mixed with
# English. Tier 1 must page; tier 2 must be asked; tier 0 must not be shown the lines. The two
# known misses are a passive wish that is a figure of speech ("dejar de existir en el grupo de
# whatsapp") and embarrassment ("que oso, me quiero morir"): both are asked, neither pages.
ES_CASES = Path(__file__).parents[1] / "crisis_es_cases.tsv"
KNOWN_ASKED = 2


def test_the_spanish_cases_written_while_building_hold() -> None:
    with ES_CASES.open(encoding="utf-8") as handle:
        rows = [
            (int(r["expected_tier"]), r["text"]) for r in csv.DictReader(handle, delimiter="\t")
        ]
    assert len(rows) >= 450
    found = [(expected, assess(text)) for expected, text in rows]
    assert [e for e, a in found if e == 1 and a.tier != 1] == []
    assert [e for e, a in found if e == 2 and a.tier not in (1, 2)] == []
    assert [e for e, a in found if e == 0 and a.tier == 1] == []
    assert len([e for e, a in found if e == 0 and a.tier == 2]) <= KNOWN_ASKED
