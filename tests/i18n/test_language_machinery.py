"""The language machinery itself: the pseudo-language's shape, the language a context
speaks, the app's language offered at sign-up, and reading text for the catalogs."""

from datetime import date

from flows.core.language import (
    PSEUDO_LANGUAGE,
    _,
    current_language,
    format_day,
    offered_language,
    pseudo,
    speaking,
)
from tests.i18n.pseudo import ps, unlocalised


def test_pseudo_brackets_each_line_and_keeps_placeholders_and_commands() -> None:
    shown = pseudo("Step {n} of 7\n\nSend /cancel to stop")
    assert shown == "⟦Stép {n} óf 7⟧\n\n⟦Séñd /cancel tó štóp⟧"
    assert ps("Is it okay") == "Íš ít ókáý"


def test_unlocalised_finds_words_outside_the_brackets_but_not_exempt_names() -> None:
    assert unlocalised("⟦Hélló⟧ Sam, 12 🌱", exempt=["Sam"]) == []
    assert unlocalised("⟦Hélló⟧ there\n⟦fíñé⟧") == ["⟦Hélló⟧ there"]
    assert unlocalised("⟦Tópíçš: ⟦áñý tópíç⟧⟧") == []  # one text inside another's placeholder


def test_speaking_is_scoped_and_unknown_languages_fall_back_to_english() -> None:
    assert current_language() == "en"
    with speaking("es"):
        assert current_language() == "es"
        assert format_day(date(2026, 12, 5)) == "sáb 5 dic"
        with speaking("xx"):
            assert current_language() == "en"
    assert format_day(date(2026, 12, 5)) == "Sat 5 Dec"


def test_the_apps_language_is_offered_when_spoken() -> None:
    assert offered_language("es-MX", "en") == "es"
    assert offered_language("pt-BR", "en") == "en"
    assert offered_language(None, "es") == "es"
    assert offered_language("de", "zz") == "en"


def test_text_outside_the_template_is_not_pseudo_localised() -> None:
    # Only what the catalogs hold is translated: a string no one extracted stays English,
    # and the pseudo-language's journeys show it.
    with speaking(PSEUDO_LANGUAGE):
        assert _("a string that is in no catalog 7c1f") == "a string that is in no catalog 7c1f"
