"""What the console channel can do, as the flows ask it (flows/core/channels.py)."""

from flows.core.channels import ChannelInfo
from flows.core.language import N_

CHANNEL = "console"

# Said at sign-up, in the reader's language (flows/core/channels.py).
IDENTITY_NOTE = N_("Here I know you only by the user number you act as.")
ENCRYPTION_NOTE = N_(
    "What you type stays on this computer, and anyone at this terminal can read it."
)


def console_info() -> ChannelInfo:
    """The terminal: lines in, lines out. It copies what was typed in this session (a peer
    chat's relay), but can't take back or change what it printed, and carries no media."""
    return ChannelInfo(
        name=CHANNEL,
        buttons=False,
        numbered_commands=False,  # command buttons read "• ✅ I'll go: send /rsvp 3 going"
        copies=True,
        edits=False,
        deletes=False,
        protects_content=False,
        end_to_end_encrypted=False,
        media=frozenset(),
        identity=IDENTITY_NOTE,
        encryption=ENCRYPTION_NOTE,
    )
