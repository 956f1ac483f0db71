"""Notice keys: the names under which sent messages are remembered (storage `notices`),
so they can be edited, withdrawn or replied to later. Built and parsed only here.

A key holds ids and a kind, never any text: `handoff:12` (a request to talk sent to
volunteers), `relay:12` and `relay:12:<message>` (what a chat sends a volunteer, and the
copies of one relayed message), `report:12`, `held:12`, `handover:12`, `buddy:40`, and the
crisis guard's pages (`safety:12`, `chat-safety:12`, `volunteer-safety:<member>:<day>`), and
an admin's broadcast's progress message (`broadcast:12`), and
on channels answered by reactions, the messages that ask a question (`question:<token>`). A
message still in the outbox is recorded under `outbox:<id>` until the channel's message id
replaces it.
"""

from datetime import date

from flows.core.parsing import parse_id

_PENDING = "outbox:"


def request(handoff_id: int) -> str:
    """A request to talk, as sent to on-call volunteers and admins."""
    return f"handoff:{handoff_id}"


def relay(handoff_id: int) -> str:
    """What a chat sends a volunteer (so a reply to it picks the chat)."""
    return f"relay:{handoff_id}"


def copy(handoff_id: int, message_ref: str) -> str:
    """The copies of one relayed message, so an edit of it can edit them.

    Looked up per recipient: the sender's `message_ref` is only unique in their chat.
    """
    return f"relay:{handoff_id}:{message_ref}"


def chat_of_relay(notice: str) -> int | None:
    """The chat a `relay` or `copy` notice belongs to."""
    head, _, rest = notice.partition(":")
    number = rest.split(":", 1)[0]
    return parse_id(number) if head == "relay" else None


def report(handoff_id: int) -> str:
    """The reports of one chat sent to admins, so they can be edited if the member leaves."""
    return f"report:{handoff_id}"


def held(handoff_id: int) -> str:
    """The admins' notice that a chat's messages were held back (contact details)."""
    return f"held:{handoff_id}"


def handover(handoff_id: int) -> str:
    """A volunteer's request for an admin, withdrawn once one steps in."""
    return f"handover:{handoff_id}"


def chat_safety(handoff_id: int) -> str:
    """Admins told that a crisis was flagged inside a peer chat (names the member's alias)."""
    return f"chat-safety:{handoff_id}"


def volunteer_safety(member_id: int, day: date) -> str:
    """Admins asked to check in on a volunteer whose own words alarmed, once a day."""
    return f"volunteer-safety:{member_id}:{day:%Y-%m-%d}"


def chat_alert(handoff_id: int) -> str:
    """The private alert to a chat's volunteer that a message in it was flagged."""
    return f"safety:{handoff_id}"


def buddy(rsvp_id: int) -> str:
    """A request for a peer to meet a member at an event."""
    return f"buddy:{rsvp_id}"


def broadcast(broadcast_id: int) -> str:
    """A broadcast's progress message to its admin, edited as it goes."""
    return f"broadcast:{broadcast_id}"


def question(token: int) -> str:
    """A message asking the question under `token`, where a reaction can answer it."""
    return f"question:{token}"


def question_token(notice: str | None) -> int | None:
    """The question a `question` notice asks."""
    if notice is None or not notice.startswith("question:"):
        return None
    return parse_id(notice.removeprefix("question:"))


def pending(outbox_id: int) -> str:
    """The placeholder message id of a notice still in the outbox."""
    return f"{_PENDING}{outbox_id}"


def pending_outbox_id(ref: str) -> int | None:
    """The outbox row of a placeholder message id, or None for a sent message's id."""
    return int(ref.removeprefix(_PENDING)) if ref.startswith(_PENDING) else None
