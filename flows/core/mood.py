"""The daily check-in's mood scale and what counts as low on it, read the same way by
every feature that acts on a mood.

The scale runs from 1 ("very low") to 5 ("great"); the database holds it to that range.
"""

# "Low" or "very low": the check-in offers a peer, a request to talk goes ahead of
# ordinary ones, and the isolation rule counts it towards a run of low moods.
LOW_MOOD_AT_MOST = 2
# "Very low" only: with a borderline semantic score, the crisis guard asks directly.
VERY_LOW_MOOD = 1


def is_low_mood(mood: int) -> bool:
    return mood <= LOW_MOOD_AT_MOST
