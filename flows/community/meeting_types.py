"""The Meeting Guide specification's meeting type codes (code4recovery/spec, "Meeting
Types"), in English, and the few Hearthside acts on: open or closed, online, and a
location temporarily closed.

The spec reserves these codes; a feed may add its own, which are kept but not shown.
`ONL` (online) was dropped from the spec in 2022 in favour of `conference_url` and
`conference_phone`, but older feeds still send it, so it still counts as online.
"""

OPEN = "O"
CLOSED = "C"
ONLINE = "ONL"
TEMPORARILY_CLOSED = "TC"

NAMES: dict[str, str] = {
    "11": "11th Step Meditation",
    "12x12": "12 Steps & 12 Traditions",
    "A": "Secular",
    "ABSI": "As Bill Sees It",
    "AF": "Afrikaans",
    "AL": "Concurrent with Alateen",
    "AL-AN": "Concurrent with Al-Anon",
    "AM": "Amharic",
    "AR": "Arabic",
    "ASL": "American Sign Language",
    "B": "Big Book",
    "BA": "Babysitting Available",
    "BE": "Newcomer",
    "BG": "Bulgarian",
    "BI": "Bisexual",
    "BRK": "Breakfast",
    "C": "Closed",
    "CAN": "Candlelight",
    "CF": "Child-Friendly",
    "D": "Discussion",
    "DA": "Danish",
    "DB": "Digital Basket",
    "DD": "Dual Diagnosis",
    "DE": "German",
    "DR": "Daily Reflections",
    "EL": "Greek",
    "EN": "English",
    "FA": "Persian",
    "FF": "Fragrance Free",
    "FI": "Finnish",
    "FR": "French",
    "G": "Gay",
    "GR": "Grapevine",
    "H": "Birthday",
    "HE": "Hebrew",
    "HI": "Hindi",
    "HR": "Croatian",
    "HU": "Hungarian",
    "IS": "Icelandic",
    "ITA": "Italian",
    "JA": "Japanese",
    "KA": "Georgian",
    "KOR": "Korean",
    "L": "Lesbian",
    "LGBTQ": "LGBTQ",
    "LIT": "Literature",
    "LS": "Living Sober",
    "LT": "Lithuanian",
    "M": "Men",
    "MED": "Meditation",
    "ML": "Malayalam",
    "MT": "Maltese",
    "N": "Native American",
    "NB": "Non-Binary",
    "NDG": "Indigenous",
    "NE": "Nepali",
    "NL": "Dutch",
    "NO": "Norwegian",
    "O": "Open",
    "ONL": "Online",
    "OUT": "Outdoor",
    "P": "Professionals",
    "POA": "Proof of Attendance",
    "POC": "People of Color",
    "POL": "Polish",
    "POR": "Portuguese",
    "PUN": "Punjabi",
    "RUS": "Russian",
    "S": "Spanish",
    "SEN": "Seniors",
    "SK": "Slovak",
    "SL": "Slovenian",
    "SM": "Smoking Permitted",
    "SP": "Speaker",
    "ST": "Step Study",
    "SV": "Swedish",
    "T": "Transgender",
    "TC": "Location Temporarily Closed",
    "TH": "Thai",
    "TL": "Tagalog",
    "TR": "Tradition Study",
    "TUR": "Turkish",
    "UK": "Ukrainian",
    "W": "Women",
    "X": "Wheelchair Access",
    "XB": "Wheelchair-Accessible Bathroom",
    "XT": "Cross Talk Permitted",
    "Y": "Young People",
}
# Said by the card in words of its own (open/closed, online): not listed again.
SHOWN_APART = frozenset({OPEN, CLOSED, ONLINE, TEMPORARILY_CLOSED})


def type_names(codes: tuple[str, ...]) -> list[str]:
    """The codes the spec defines, in words, in the feed's order; unknown ones left out."""
    return [NAMES[code] for code in codes if code in NAMES and code not in SHOWN_APART]
