"""Contact details written in Spanish are held back as English ones are, and Spanish
words that only look like them (a place after "@", a meeting's number) go through."""

import pytest

from flows.peer.contact_details import contact_details


@pytest.mark.parametrize(
    "words",
    [
        "agrégame en insta",
        "Agregame en Instagram porfa",
        "escríbeme por whatsapp",
        "búscame en facebook, salgo como yo",
        "mándame un mensaje por telegram",
        "sígueme en tiktok",
        "llámame al whatsapp",
    ],
)
def test_a_spanish_invitation_is_held_back(words: str) -> None:
    assert contact_details(words) == ("invitation",)


@pytest.mark.parametrize(
    "words",
    [
        "llego @casa a las 7",
        "nos vemos @trabajo",
        "la reunión 84512345 es por zoom a las 19:30",
        "sala 4521678 esta noche",
        "búscame en la reunión del jueves",
        "escríbeme aquí cuando puedas",
    ],
)
def test_ordinary_spanish_words_are_not_contact_details(words: str) -> None:
    assert contact_details(words) == ()


def test_a_spanish_phone_number_or_handle_is_still_one() -> None:
    assert contact_details("mi número es 55 1234 5678") == ("phone",)
    assert contact_details("búscame: @lucia_garcia") == ("handle",)
