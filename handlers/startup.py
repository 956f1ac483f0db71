"""What a channel adapter raises when it can't start."""


class ChannelUnavailable(Exception):
    """The channel's server can't be reached at start; the message says which, in one line,
    with no secret in it (`python -m bot` prints it and exits)."""
