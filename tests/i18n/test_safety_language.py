"""The crisis lines and the guard's words in the language being spoken: the lines a
country gives that language's speakers, the words around the numbers from the catalogs,
and English whenever a catalog or a translation is broken."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from flows.core import language
from flows.core.config import PlainCrisisLines
from flows.core.language import speaking
from flows.core.parsing import parse_time_of_day
from flows.core.safe_text import said
from flows.safety.crisis.resources import CrisisResources, load_catalog, stale_entries
from flows.safety.guard import _typed_answer

_SPANISH = Path(__file__).resolve().parents[2] / "locales/es/LC_MESSAGES"
# The whole Spanish catalog once its parts are merged; until then, this area's part.
SPANISH = next(
    path for path in (_SPANISH / "messages.po", _SPANISH / "parts/safety.po") if path.exists()
)


def _use_catalog(monkeypatch: pytest.MonkeyPatch, po: Path) -> None:
    """Spanish read from `po` (this area's part: the whole catalog is made at merge)."""
    monkeypatch.setattr(language, "_po_path", lambda code: po if code == "es" else Path("/none"))
    language._catalog.cache_clear()
    language._reverse.cache_clear()


@pytest.fixture
def spanish(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _use_catalog(monkeypatch, SPANISH)
    yield
    language._catalog.cache_clear()
    language._reverse.cache_clear()


def test_the_us_gives_spanish_speakers_the_988_spanish_line(spanish: None) -> None:
    lines = CrisisResources.for_deployment("US")
    with speaking("es"):
        text = lines.lines_text()
        short = lines.short_text()
    assert text.startswith("Si estás en peligro ahora mismo, llama al 911.")
    assert (
        "• 988 Lifeline en español: llama al 988 y marca el 2, envía AYUDA al 988 "
        "(24 horas, todos los días)"
    ) in text
    assert "Crisis Text Line" not in text  # its English-language line is not offered
    assert short.splitlines()[0] == "Si estás en peligro ahora mismo, llama al 911."
    # English speakers see the lines exactly as before.
    assert lines.lines_text().startswith("If you are in danger right now, call 911.")
    assert "988 Suicide & Crisis Lifeline — call or text 988" in lines.lines_text()


# Spain's lines, as a deployment there would give them in its own CRISIS_RESOURCES_FILE
# once it has checked them (the shipped catalog holds them only commented out: see there).
SPAIN = """
[ES]
name = "Spain"
emergency = ["112"]
overdose_note = "If you have naloxone, give it, and stay with them until help arrives."

[[ES.lines]]
name = "Línea 024 (suicide crisis line)"
call = "024"
hours = "24/7"
last_verified = 2026-12-01

[ES.es]
overdose_note = "Si tienes naloxona, dásela y quédate con la persona hasta que llegue la ayuda."

[[ES.es.lines]]
name = "Línea 024 de atención a la conducta suicida"
call = "024"
hours = "24/7"
last_verified = 2026-12-01

[[ES.es.lines]]
name = "Teléfono de la Esperanza"
call = "717 003 717"
hours = "24/7"
last_verified = 2026-12-01
"""


def test_spain_and_mexico_have_their_lines_in_spanish_and_english(
    spanish: None, tmp_path: Path
) -> None:
    own = tmp_path / "crisis.toml"
    own.write_text(SPAIN, encoding="utf-8")
    spain = CrisisResources.for_deployment("ES", catalog=load_catalog(own))
    mexico = CrisisResources.for_deployment("MX")
    with speaking("es"):
        assert spain.lines_text() == (
            "Si estás en peligro ahora mismo, llama al 112.\n"
            "• Línea 024 de atención a la conducta suicida: llama al 024 "
            "(24 horas, todos los días)\n"
            "• Teléfono de la Esperanza: llama al 717 003 717 (24 horas, todos los días)"
        )
        overdose = mexico.lines_text(overdose=True)
    assert overdose.startswith(
        "Si alguien pudo haber tenido una sobredosis, llama al 911 ahora.\n"
        "Si tienes naloxona, dásela"
    )
    assert "Línea de la Vida: llama al 800 911 2000" in overdose
    assert spain.lines_text().startswith("If you are in danger right now, call 112.")
    assert "Línea 024 (suicide crisis line) — call 024 (24/7)" in spain.lines_text()
    assert "call 800 911 2000" in mexico.lines_text()


def test_a_country_without_spanish_lines_gives_its_english_ones_in_spanish_words(
    spanish: None,
) -> None:
    britain = CrisisResources.for_deployment("GB")
    with speaking("es"):
        text = britain.lines_text()
    assert text.startswith("Si estás en peligro ahora mismo, llama al 999 o al 112.")
    assert "• Samaritans: llama al 116 123 (gratis, 24 horas, todos los días)" in text
    assert "• Shout: envía SHOUT al 85258" in text


def test_a_deployments_own_wording_stays_as_written(spanish: None) -> None:
    own = CrisisResources.for_deployment("US", "Call Hope Line on 555-0100.")
    plain = PlainCrisisLines("Call Hope Line on 555-0100.", emergency="911")
    with speaking("es"):
        assert own.lines_text().splitlines()[1] == "Call Hope Line on 555-0100."
        assert plain.short_text() == "Call Hope Line on 555-0100."
        assert plain.lines_text(overdose=True).startswith(
            "Si alguien pudo haber tenido una sobredosis, llama al 911 ahora."
        )


def test_a_broken_catalog_gives_the_lines_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(code: str) -> object:
        raise OSError("the catalog cannot be read")

    monkeypatch.setattr(language, "_catalog", broken)
    lines = CrisisResources.for_deployment("US")
    with speaking("es"):
        text = lines.lines_text()
        asked = said("Are you thinking about ending your life?")
    assert text.startswith("If you are in danger right now, call 911.")
    assert "988 Lifeline en español — call 988 and press 2" in text
    assert asked == "Are you thinking about ending your life?"


def test_a_translation_that_lost_its_placeholder_falls_back_to_english(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    po = tmp_path / "es.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "If you are in danger right now, call {emergency}."\n'
        'msgstr "Si estás en peligro, llama al {emergencia}."\n',
        encoding="utf-8",
    )
    _use_catalog(monkeypatch, po)
    try:
        with speaking("es"):
            text = CrisisResources.for_deployment("US").short_text()
    finally:
        language._catalog.cache_clear()
    assert text.startswith("If you are in danger right now, call 911.")


def test_lines_in_every_language_are_checked_for_freshness(tmp_path: Path) -> None:
    path = tmp_path / "resources.toml"
    path.write_text(
        '[ZZ]\nname = "Testland"\nemergency = ["123"]\noverdose_note = "Give naloxone."\n'
        '[[ZZ.lines]]\nname = "Line"\ncall = "1"\nhours = "24/7"\nlast_verified = 2026-11-01\n'
        '[ZZ.es]\n[[ZZ.es.lines]]\nname = "Línea"\ncall = "1"\npress = "2"\nhours = "24/7"\n'
        "last_verified = 2024-01-01\n",
        encoding="utf-8",
    )
    catalog = load_catalog(path)
    assert catalog["ZZ"].in_language("es").overdose_note == "Give naloxone."
    assert stale_entries(catalog, date(2026, 12, 4)) == [
        "ZZ: Línea was last verified 2024-01-01 (1068 days ago); re-verify it at least "
        "every 365 days"
    ]


def test_press_needs_a_number_to_call(tmp_path: Path) -> None:
    path = tmp_path / "resources.toml"
    path.write_text(
        '[ZZ]\nname = "Testland"\nemergency = ["123"]\noverdose_note = "Give naloxone."\n'
        '[[ZZ.lines]]\nname = "Line"\ntext = "1"\npress = "2"\nhours = "24/7"\n'
        "last_verified = 2026-11-01\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="has 'press' without a number to 'call'"):
        load_catalog(path)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("7 de la tarde", "19:00"),
        ("9:30 de la mañana", "09:30"),
        ("10 de la noche", "22:00"),
        ("12 de la noche", "00:00"),
        ("12 de la tarde", "12:00"),
        ("3 de la madrugada", "03:00"),
        ("mediodía", "12:00"),
        ("medianoche", "00:00"),
        ("13 de la tarde", None),
        ("7 pm", "19:00"),
    ],
)
def test_typed_times_read_spanish_too(typed: str, meant: str | None) -> None:
    assert parse_time_of_day(typed) == meant


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("No, gracias", "no"),
        ("para nada", "no"),
        ("Estoy a salvo", "no"),
        ("Sí", "yes"),
        ("si", "yes"),
        # "No, estoy a salvo" and "no estoy a salvo" read the same once the comma goes:
        # neither is a clear no, so both take the path of a yes.
        ("No, estoy a salvo", "unclear"),
        ("no estoy bien", "unclear"),
        ("no lo sé", "unclear"),
    ],
)
def test_spanish_answers_to_the_direct_question(typed: str, read: str) -> None:
    assert _typed_answer(typed) == read


def test_lines_given_as_text_name_the_local_emergency_number_in_the_readers_words(
    spanish: None,
) -> None:
    plain = PlainCrisisLines("Call Hope Line on 555-0100.")
    with speaking("es"):
        assert plain.emergency_number == "número local de emergencias"
    assert plain.emergency_number == "your local emergency number"
