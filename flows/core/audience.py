"""Who may run a command (`Command.audience`)."""

from enum import StrEnum


class Audience(StrEnum):
    ANYONE = "anyone"
    # Anyone with a member row, onboarded or not: their data rights (/export, /delete).
    PERSON = "person"
    MEMBER = "member"  # finished onboarding
    VOLUNTEER = "volunteer"  # an active volunteer
    ADMIN = "admin"
    COMMUNITY = "community"  # a member, an active volunteer or an admin
