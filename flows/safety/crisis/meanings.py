"""Plain words for the rule ids stored with a safety event.

A safety event records which rules decided it: the detector's patterns (each with its
`meaning` in patterns.toml), the modifiers that lowered a tier, and the guard's own steps
(an answer to "are you thinking about ending your life?", or no answer). These are
inferences about the person, so their /export shows each id with what it means.
"""

from flows.core.language import N_, _
from flows.safety.crisis.detector import rule_meanings

# The detector's modifiers (flows/safety/crisis/detector.py): they lower a tier.
MODIFIER_MEANINGS = {
    "mod.negated": N_("the words came with a negation (“I don't …”), so it counted for less"),
    "mod.past": N_("the words were about the past, so it counted for less"),
    "mod.third_party": N_("the words seemed to be about someone else, so it counted for less"),
    "mod.cleared": N_(
        "the words matched, and the rest of the message showed they were not about danger now"
    ),
    "mod.figure": N_(
        "the words sounded like a figure of speech (a joke about something small), "
        "so you were asked rather than someone being told"
    ),
}
# The guard's own steps (flows/safety/guard.py).
GUARD_MEANINGS = {
    "confirm.yes": N_("you answered yes to “are you thinking about ending your life?”"),
    "confirm.unsure": N_(
        "you answered “I'm not sure” to “are you thinking about ending your life?”"
    ),
    "confirm.unclear": N_(
        "your answer to “are you thinking about ending your life?” was not a "
        "clear no, so it was taken seriously"
    ),
    "silence.after_check": N_(
        "no answer came in time to “are you thinking about ending your life?”"
    ),
}
UNKNOWN = N_("a rule of an earlier version of the safety check, no longer in use")


def rule_meaning(rule_id: str) -> str:
    """What a stored rule id means, in plain words (in the language being spoken, where the
    catalogs have them)."""
    if rule_id.startswith("semantic."):
        from flows.safety.crisis import semantic  # numpy only where a semantic id is read

        return semantic.meaning(rule_id)
    known = rule_meanings() | MODIFIER_MEANINGS | GUARD_MEANINGS
    return _(known.get(rule_id) or UNKNOWN)
