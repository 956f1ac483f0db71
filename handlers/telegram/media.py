"""Which messages in this bot's chats carry media, so an edit changes their caption.

Telegram edits a text message with `editMessageText` and a photo's caption with
`editMessageCaption`; flows only say "show these words instead". The adapter knows which
is which: it saw the member's photo arrive, and a copy of a photo is a photo. This is
kept in memory, for the newest messages only; for one it no longer knows (after a
restart) the channel tries the text and then the caption.
"""

from collections import OrderedDict

# Enough for the relayed messages of a busy week; older copies are rarely edited.
KEEP = 20_000


class MediaMessages:
    def __init__(self, keep: int = KEEP) -> None:
        self._keep = keep
        self._media: OrderedDict[tuple[int, int], None] = OrderedDict()

    def saw(self, chat_id: int, message_id: int) -> None:
        """A message with media (a photo, a voice message, ...) is in this chat."""
        self._media[(chat_id, message_id)] = None
        self._media.move_to_end((chat_id, message_id))
        while len(self._media) > self._keep:
            self._media.popitem(last=False)

    def copied(self, source: tuple[int, int], copy: tuple[int, int]) -> None:
        """`copy` was copied from `source`: media if its source is."""
        if source in self._media:
            self.saw(*copy)

    def has_media(self, chat_id: int, message_id: int) -> bool:
        return (chat_id, message_id) in self._media
