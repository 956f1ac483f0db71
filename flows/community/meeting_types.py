"""The Meeting Guide specification's meeting type codes (code4recovery/spec, "Meeting
Types"), in English, and the few Hearthside acts on: open or closed, online, and a
location temporarily closed.

The spec reserves these codes; a feed may add its own, which are kept but not shown.
`ONL` (online) was dropped from the spec in 2022 in favour of `conference_url` and
`conference_phone`, but older feeds still send it, so it still counts as online.
The codes are the spec's and stay as they are; the names members read are translated.
"""

from flows.core.language import N_, _

OPEN = "O"
CLOSED = "C"
ONLINE = "ONL"
TEMPORARILY_CLOSED = "TC"

NAMES: dict[str, str] = {
    "11": N_("11th Step Meditation"),
    "12x12": N_("12 Steps & 12 Traditions"),
    "A": N_("Secular"),
    "ABSI": N_("As Bill Sees It"),
    "AF": N_("Afrikaans"),
    "AL": N_("Concurrent with Alateen"),
    "AL-AN": N_("Concurrent with Al-Anon"),
    "AM": N_("Amharic"),
    "AR": N_("Arabic"),
    "ASL": N_("American Sign Language"),
    "B": N_("Big Book"),
    "BA": N_("Babysitting Available"),
    "BE": N_("Newcomer"),
    "BG": N_("Bulgarian"),
    "BI": N_("Bisexual"),
    "BRK": N_("Breakfast"),
    "C": N_("Closed"),
    "CAN": N_("Candlelight"),
    "CF": N_("Child-Friendly"),
    "D": N_("Discussion"),
    "DA": N_("Danish"),
    "DB": N_("Digital Basket"),
    "DD": N_("Dual Diagnosis"),
    "DE": N_("German"),
    "DR": N_("Daily Reflections"),
    "EL": N_("Greek"),
    "EN": N_("English"),
    "FA": N_("Persian"),
    "FF": N_("Fragrance Free"),
    "FI": N_("Finnish"),
    "FR": N_("French"),
    "G": N_("Gay"),
    "GR": N_("Grapevine"),
    "H": N_("Birthday"),
    "HE": N_("Hebrew"),
    "HI": N_("Hindi"),
    "HR": N_("Croatian"),
    "HU": N_("Hungarian"),
    "IS": N_("Icelandic"),
    "ITA": N_("Italian"),
    "JA": N_("Japanese"),
    "KA": N_("Georgian"),
    "KOR": N_("Korean"),
    "L": N_("Lesbian"),
    "LGBTQ": N_("LGBTQ"),
    "LIT": N_("Literature"),
    "LS": N_("Living Sober"),
    "LT": N_("Lithuanian"),
    "M": N_("Men"),
    "MED": N_("Meditation"),
    "ML": N_("Malayalam"),
    "MT": N_("Maltese"),
    "N": N_("Native American"),
    "NB": N_("Non-Binary"),
    "NDG": N_("Indigenous"),
    "NE": N_("Nepali"),
    "NL": N_("Dutch"),
    "NO": N_("Norwegian"),
    "O": N_("Open"),
    "ONL": N_("Online"),
    "OUT": N_("Outdoor"),
    "P": N_("Professionals"),
    "POA": N_("Proof of Attendance"),
    "POC": N_("People of Color"),
    "POL": N_("Polish"),
    "POR": N_("Portuguese"),
    "PUN": N_("Punjabi"),
    "RUS": N_("Russian"),
    "S": N_("Spanish"),
    "SEN": N_("Seniors"),
    "SK": N_("Slovak"),
    "SL": N_("Slovenian"),
    "SM": N_("Smoking Permitted"),
    "SP": N_("Speaker"),
    "ST": N_("Step Study"),
    "SV": N_("Swedish"),
    "T": N_("Transgender"),
    "TC": N_("Location Temporarily Closed"),
    "TH": N_("Thai"),
    "TL": N_("Tagalog"),
    "TR": N_("Tradition Study"),
    "TUR": N_("Turkish"),
    "UK": N_("Ukrainian"),
    "W": N_("Women"),
    "X": N_("Wheelchair Access"),
    "XB": N_("Wheelchair-Accessible Bathroom"),
    "XT": N_("Cross Talk Permitted"),
    "Y": N_("Young People"),
}
# Said by the card in words of its own (open/closed, online): not listed again.
SHOWN_APART = frozenset({OPEN, CLOSED, ONLINE, TEMPORARILY_CLOSED})


def type_names(codes: tuple[str, ...]) -> list[str]:
    """The codes the spec defines, in words (in the language being spoken), in the feed's
    order; unknown ones left out."""
    return [_(NAMES[code]) for code in codes if code in NAMES and code not in SHOWN_APART]
