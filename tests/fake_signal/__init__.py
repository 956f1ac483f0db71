"""A stateful fake of the signal-cli daemon that the real Signal adapter talks to over TCP.

It speaks signal-cli's JSON-RPC (`daemon --tcp`) on 127.0.0.1 (OS-assigned port) on the
test's own event loop: one JSON value per line; batches answered by one array line in an
order of their own (the fake reverses them); requests on separate lines answered as they
finish; no answer to a request without an `id`; the error shapes and codes of signal-cli
(-1 user error, -3 IO, -4 untrusted identity, -5 rate limit, -6 captcha rejected, -32600,
-32601, -32602, -32700). Method and parameter names come from signal-cli's source, and the
fake is stricter than signal-cli: a parameter it does not know, or of the wrong type, gets
-32602, so an adapter typo fails the test (`fake.rejected` lists what it refused).

    async with FakeSignalDaemon() as fake:          # or multi_account=True, mode="manual"
        address = fake.address                       # "tcp://127.0.0.1:PORT"

In single-account mode "account" may be left out; in multi-account mode every method but
version, listAccounts and the subscriptions needs it (-32602 otherwise: signal-cli would
fall back to its only account, a daemon with two would not). In "on-connection" mode every
client gets every envelope as `receive` notifications `{"envelope", "account"}`; in "manual"
mode only after `subscribeReceive`, wrapped as `{"subscription", "result"}`. Envelopes that
arrive while no client receives are kept and delivered when one does, as Signal's server
keeps them (`fake.pending`).

Act as people (each returns the envelope's timestamp, which is the message's id)::

    fake.add_user(ACI, number="+15550002222", username="sam.01", name="Sam")
    fake.user_sends(ACI, "hi", quote=(fake.self_aci, ts), attachments=[("image/png", png)],
                    expires_in=3600)                 # number=None: a hidden number
    fake.user_reacts(ACI, "👍", fake.self_aci, ts, remove=False)
    fake.user_edits(ACI, ts, "new text")
    fake.user_deletes(ACI, ts)                    # "delete for everyone" (remoteDelete)
    fake.noise(ACI, "receipt" | "typing" | "sync" | "exception")
    # incoming attachments come back from getAttachment(id) as base64

See what the bot did::

    fake.calls                                       # (method, params as sent), in order
    await fake.next_call("send", recipient=[ACI])    # next not yet taken, matching
    fake.transcript(ACI) / await fake.next_message(ACI)   # SentMessage: text, text_styles,
                                                     # quote, attachments, edits, deleted,
                                                     # reactions (the person's, on it)
    fake.reactions_sent, fake.receipts_sent, fake.profile, fake.contacts, fake.users[ACI]

Faults::

    fake.fail_next("send", -3, "Failed to send message")   # next call only, no effect
                                                     # (after=1: the one after next)
    fake.rate_limit_sends(token="tok", retry_after=86400)  # -5 until lift_rate_limit() or
                                                     # submitRateLimitChallenge(challenge=tok)
    fake.untrusted(ACI)                              # -4 to ACI until trust(recipient=ACI, …)
    fake.unregister(ACI)                             # -1, UNREGISTERED_FAILURE
    fake.delay("send", 0.5)                          # answered (and done) that much later
    fake.push_between()                              # next response comes after a notification
    fake.drop_connections(partial_line=False)        # every client cut off mid-stream
    await fake.restart()                             # same port, same state
    await fake.wait_connected(), await fake.wait_delivered(ts)
"""

from tests.fake_signal.daemon import STRANGER, VERSION, FakeSignalDaemon
from tests.fake_signal.records import BotReaction, Group, SentMessage, User

__all__ = [
    "STRANGER",
    "VERSION",
    "BotReaction",
    "FakeSignalDaemon",
    "Group",
    "SentMessage",
    "User",
]
