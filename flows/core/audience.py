"""Who may run a command (`Command.audience`)."""

from enum import StrEnum


class Audience(StrEnum):
    ANYONE = "anyone"
    # Anyone with a member row, onboarded or not: their data rights (/export, /delete).
    PERSON = "person"
    MEMBER = "member"  # finished onboarding
    # An active volunteer row: a peer, or an admin answering members as a coordinator
    # (what anyone holding a chat on the volunteer's side needs: /switch, /handover).
    VOLUNTEER = "volunteer"
    PEER = "peer"  # an active peer volunteer: on the rota, with shifts and a profile
    ADMIN = "admin"
    COMMUNITY = "community"  # a member, an active volunteer or an admin
