"""Which offered choice typed words mean, for numbered and unnumbered choices."""

from flows.core.matching import match_choice
from flows.core.values import Choice

SHIFTS = (Choice("12", "Mon 18:00"), Choice("3", "Tue 09:00"), Choice("none", "None"))
CONTACTS = (Choice("0", "0"), Choice("1", "1"), Choice("2", "2 or more"))


def test_a_number_is_the_one_shown_where_choices_are_numbered() -> None:
    # Shown "1) Mon 18:00  2) Tue 09:00  3) None": "3" is the third line, not the value "3".
    assert match_choice("3", SHIFTS) is SHIFTS[2]
    assert match_choice("1", SHIFTS) is SHIFTS[0]
    assert match_choice("12", SHIFTS) is None


def test_a_number_is_itself_where_choices_are_not_numbered() -> None:
    assert match_choice("1", CONTACTS, numbers=False) is CONTACTS[1]
    assert match_choice("0", CONTACTS, numbers=False) is CONTACTS[0]
    assert match_choice("7", CONTACTS, numbers=False) is None  # free text: the step reads it


def test_a_keycap_emoji_is_its_number() -> None:
    # Signal shows numbered choices with keycaps; a member may send or react with one.
    assert match_choice("3\ufe0f\u20e3", SHIFTS) is SHIFTS[2]
    assert match_choice("1\u20e3", SHIFTS) is SHIFTS[0]  # without the variation selector
    ten = tuple(Choice(str(n), f"Option {n}") for n in range(1, 11))
    assert match_choice("🔟", ten) is ten[9]
    # Where choices are not numbered, a keycap means the number itself.
    assert match_choice("1\ufe0f\u20e3", CONTACTS, numbers=False) is CONTACTS[1]
