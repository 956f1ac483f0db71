"""The fake signal-cli daemon itself, spoken to line by line over a raw socket.

What it must be faithful to (framing, error shapes, modes, queueing) is also checked against
the real signal-cli by scripts/contract-signal (tests/channels/signal/contract.py).
"""

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.channels.signal.raw import RawClient
from tests.fake_signal import VERSION, FakeSignalDaemon, SentMessage
from tests.fake_signal.params import SPECS

ACCOUNT = "+15550001111"
ALEX = "6f1d2c3b-4a59-4e68-9d7c-0b1a2c3d4e5f"
SAM = "0a9b8c7d-6e5f-4a3b-9c2d-1e0f2a3b4c5d"
STRANGER_ACI = "11111111-2222-4333-8444-555555555555"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))


@pytest.fixture
async def fake() -> AsyncIterator[FakeSignalDaemon]:
    async with FakeSignalDaemon(account=ACCOUNT) as daemon:
        daemon.add_user(ALEX, number="+15550002222", name="Alex Example")
        daemon.add_user(SAM, username="sam.01")
        yield daemon


@pytest.fixture
async def client(fake: FakeSignalDaemon) -> AsyncIterator[RawClient]:
    async with await RawClient.connect(fake.address) as raw:
        await fake.wait_connected()
        yield raw


def error_of(response: dict[str, Any]) -> tuple[int, str]:
    assert "result" not in response, response
    return response["error"]["code"], response["error"]["message"]


# --- framing -------------------------------------------------------------------------------


async def test_a_request_is_answered_with_its_id_and_the_exact_shape(client: RawClient) -> None:
    await client.send_line('{"jsonrpc":"2.0","method":"version","id":"a-string"}')
    assert await client.read() == {
        "jsonrpc": "2.0",
        "result": {"version": VERSION},
        "id": "a-string",
    }


async def test_a_request_without_an_id_is_run_and_never_answered(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    await client.send(
        {"jsonrpc": "2.0", "method": "send", "params": {"recipient": ALEX, "message": "x"}}
    )
    await client.send({"jsonrpc": "2.0", "method": "version", "id": 7})
    # The first line back is the answer to the second request: the first got none.
    assert (await client.read())["id"] == 7
    assert [m.text for m in fake.transcript(ALEX)] == ["x"]


async def test_errors_have_code_message_and_null_data(client: RawClient) -> None:
    response = await client.request("noSuchMethod")
    assert response == {
        "jsonrpc": "2.0",
        "error": {"code": -32601, "message": "Method not implemented", "data": None},
        "id": response["id"],
    }


@pytest.mark.parametrize(
    ("line", "code", "message"),
    [
        ("this is not json", -32700, None),
        ('{"jsonrpc": "2.0", "method": ', -32700, None),
        ("   ", -32700, "Empty input line"),
        ('{"jsonrpc":"2.0"}', -32600, "method field must be set"),
        ("[]", -32600, "invalid request"),
        ("42", -32600, "unexpected type: NUMBER"),
        ('"version"', -32600, "unexpected type: STRING"),
    ],
)
async def test_unreadable_lines_are_answered_with_id_null(
    client: RawClient, line: str, code: int, message: str | None
) -> None:
    await client.send_line(line)
    response = await client.read()
    assert response["id"] is None
    assert response["error"]["code"] == code
    if message is not None:
        assert response["error"]["message"] == message


async def test_a_bad_request_keeps_its_id(client: RawClient) -> None:
    await client.send({"jsonrpc": "1.0", "method": "version", "id": 5})
    assert error_of(await client.read()) == (-32600, "only jsonrpc version 2.0 is supported")
    await client.send({"jsonrpc": "2.0", "method": "version", "id": 6, "extra": True})
    response = await client.read()
    assert response["id"] == 6
    assert response["error"]["code"] == -32600
    assert "extra" in response["error"]["message"]


async def test_null_params_are_accepted_and_responses_from_the_client_ignored(
    client: RawClient,
) -> None:
    await client.send({"jsonrpc": "2.0", "result": {}, "id": 99})
    await client.send({"jsonrpc": "2.0", "method": "version", "params": None, "id": 1})
    assert (await client.read())["result"] == {"version": VERSION}


async def test_a_batch_is_answered_in_one_line_in_an_order_of_its_own(client: RawClient) -> None:
    await client.send(
        [
            {"jsonrpc": "2.0", "method": "version", "id": 1},
            {"jsonrpc": "2.0", "method": "listGroups", "id": 2},
            {"jsonrpc": "2.0", "method": "version"},  # no id: no answer
            {"jsonrpc": "2.0", "method": "nope", "id": 3},
            {"jsonrpc": "2.0", "id": 4},
        ]
    )
    answers = await client.read()
    assert isinstance(answers, list)
    by_id = {a["id"]: a for a in answers}
    assert sorted(by_id) == [1, 2, 3, 4]
    assert [a["id"] for a in answers] != [1, 2, 3, 4]
    assert by_id[1]["result"] == {"version": VERSION}
    assert by_id[2]["result"] == []
    assert error_of(by_id[3]) == (-32601, "Method not implemented")
    assert error_of(by_id[4]) == (-32600, "method field must be set")


async def test_a_batch_of_notifications_gets_no_answer(client: RawClient) -> None:
    await client.send([{"jsonrpc": "2.0", "method": "version"}])
    await client.send({"jsonrpc": "2.0", "method": "version", "id": 8})
    assert (await client.read())["id"] == 8


async def test_lines_are_answered_as_they_finish(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    fake.delay("listGroups", 0.2)
    await client.send({"jsonrpc": "2.0", "method": "listGroups", "id": 1})
    await client.send({"jsonrpc": "2.0", "method": "version", "id": 2})
    assert [(await client.read())["id"], (await client.read())["id"]] == [2, 1]


async def test_a_line_of_megabytes_is_read_whole(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    big = bytes(range(256)) * 8192  # 2 MiB, 2.7 MiB as base64
    uri = "data:application/octet-stream;filename=big.bin;base64," + base64.b64encode(big).decode()
    response = await client.request("send", {"recipient": [ALEX], "attachment": [uri]})
    assert "result" in response
    assert fake.transcript(ALEX)[0].attachments == [("application/octet-stream", "big.bin", big)]


# --- accounts ------------------------------------------------------------------------------


async def test_single_account_mode_takes_the_account_or_none(client: RawClient) -> None:
    assert "result" in await client.request("listGroups", {"account": ACCOUNT})
    assert "result" in await client.request("listGroups")
    assert error_of(await client.request("listGroups", {"account": "+15559990000"})) == (
        -32602,
        "Specified account does not exist",
    )
    # listAccounts exists only on a multi-account daemon.
    assert error_of(await client.request("listAccounts")) == (-32601, "Method not implemented")


async def test_multi_account_mode_wants_the_account_on_account_methods() -> None:
    async with (
        FakeSignalDaemon(account=ACCOUNT, multi_account=True) as fake,
        await RawClient.connect(fake.address) as client,
    ):
        fake.add_user(ALEX)
        params = {"recipient": ALEX, "message": "hi"}
        assert error_of(await client.request("send", params)) == (
            -32602,
            "Method requires valid account parameter",
        )
        assert error_of(await client.request("send", {**params, "account": "+15559990000"})) == (
            -32602,
            "Specified account does not exist",
        )
        assert "result" in await client.request("send", {**params, "account": ACCOUNT})
        assert (await client.request("version"))["result"] == {"version": VERSION}
        assert (await client.request("listAccounts"))["result"] == [{"number": ACCOUNT}]
        # The account is not a parameter of the method: calls record it as sent.
        assert fake.calls[-3] == ("send", {**params, "account": ACCOUNT})


# --- receiving -----------------------------------------------------------------------------


async def test_on_connection_mode_pushes_every_envelope_to_every_client(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    async with await RawClient.connect(fake.address) as second:
        await fake.wait_connected(2)
        ts = fake.user_sends(ALEX, "hello")
        for raw in (client, second):
            note = await raw.notification()
            assert note["method"] == "receive"
            assert "id" not in note
            assert note["params"]["account"] == ACCOUNT
            assert note["params"]["envelope"]["timestamp"] == ts
    assert fake.delivered == [ts]


async def test_envelopes_wait_while_no_client_is_connected(fake: FakeSignalDaemon) -> None:
    first = fake.user_sends(ALEX, "one")
    second = fake.user_sends(SAM, "two")
    assert fake.pending == 2
    assert fake.delivered == []
    async with await RawClient.connect(fake.address) as client:
        texts = [(await client.notification())["params"]["envelope"] for _ in range(2)]
    assert [(e["timestamp"], e["dataMessage"]["message"]) for e in texts] == [
        (first, "one"),
        (second, "two"),
    ]
    assert fake.pending == 0
    await fake.wait_delivered(second)


async def test_manual_mode_pushes_only_after_subscribing_wrapped_with_the_subscription() -> None:
    async with FakeSignalDaemon(account=ACCOUNT, mode="manual") as fake:
        fake.add_user(ALEX)
        async with await RawClient.connect(fake.address) as client:
            await fake.wait_connected()
            queued = fake.user_sends(ALEX, "before")
            assert fake.pending == 1  # connected, but not subscribed
            subscription = (await client.request("subscribeReceive"))["result"]
            assert isinstance(subscription, int)
            note = await client.notification()
            assert note["params"]["subscription"] == subscription
            assert note["params"]["result"]["account"] == ACCOUNT
            assert note["params"]["result"]["envelope"]["timestamp"] == queued
            assert error_of(await client.request("unsubscribeReceive", {"subscription": 999})) == (
                -1,
                "Unknown subscription id",
            )
            done = await client.request("unsubscribeReceive", {"subscription": subscription})
            assert done["result"] == {}
            fake.user_sends(ALEX, "after")
            assert fake.pending == 1


async def test_multi_account_unsubscribe_needs_the_subscription() -> None:
    async with (
        FakeSignalDaemon(account=ACCOUNT, multi_account=True, mode="manual") as fake,
        await RawClient.connect(fake.address) as client,
    ):
        subscription = (await client.request("subscribeReceive"))["result"]
        assert error_of(await client.request("unsubscribeReceive")) == (
            -1,
            "Missing subscription parameter with subscription id",
        )
        # signal-cli also takes the id as positional params.
        assert (await client.request("unsubscribeReceive", [subscription]))["result"] == {}


async def test_a_data_message_envelope(fake: FakeSignalDaemon, client: RawClient) -> None:
    ts = fake.user_sends(ALEX, "hi there", expires_in=3600)
    envelope = (await client.notification())["params"]["envelope"]
    assert envelope["sourceUuid"] == ALEX
    assert envelope["sourceNumber"] == "+15550002222"
    assert envelope["source"] == "+15550002222"
    assert envelope["sourceName"] == "Alex Example"
    assert envelope["sourceDevice"] == 1
    assert envelope["timestamp"] == ts
    assert ts < envelope["serverReceivedTimestamp"] < envelope["serverDeliveredTimestamp"]
    assert envelope["dataMessage"] == {
        "timestamp": ts,
        "message": "hi there",
        "expiresInSeconds": 3600,
        "isExpirationUpdate": False,
        "viewOnce": False,
    }


async def test_a_hidden_number_is_null(fake: FakeSignalDaemon, client: RawClient) -> None:
    fake.user_sends(SAM, "hi")
    envelope = (await client.notification())["params"]["envelope"]
    assert envelope["sourceNumber"] is None
    assert envelope["source"] == SAM
    assert envelope["sourceName"] is None


async def test_timestamps_increase(fake: FakeSignalDaemon) -> None:
    stamps = [fake.user_sends(ALEX, str(i)) for i in range(50)]
    assert stamps == sorted(set(stamps))


async def test_a_quote_names_the_bots_message_and_its_text(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    sent = (await client.request("send", {"recipient": [ALEX], "message": "Which one?"}))["result"]
    fake.user_sends(ALEX, "this one", quote=(fake.self_aci, sent["timestamp"]))
    quote = (await client.notification())["params"]["envelope"]["dataMessage"]["quote"]
    assert quote == {
        "id": sent["timestamp"],
        "author": ACCOUNT,
        "authorNumber": ACCOUNT,
        "authorUuid": fake.self_aci,
        "text": "Which one?",
        "attachments": [],
    }


async def test_an_incoming_attachment_is_fetched_with_get_attachment(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    fake.user_sends(ALEX, None, attachments=[("image/png", PNG)])
    data = (await client.notification())["params"]["envelope"]["dataMessage"]
    assert data["message"] is None
    (attachment,) = data["attachments"]
    assert attachment["contentType"] == "image/png"
    assert attachment["size"] == len(PNG)
    fetched = await client.request("getAttachment", {"id": attachment["id"], "recipient": ALEX})
    assert base64.b64decode(fetched["result"]["data"]) == PNG
    assert error_of(await client.request("getAttachment", {"id": "nope.png"})) == (
        -1,
        "Could not find attachment with ID: nope.png",
    )


async def test_reactions_and_edits(fake: FakeSignalDaemon, client: RawClient) -> None:
    sent = (await client.request("send", {"recipient": ALEX, "message": "How are you?"}))["result"]
    fake.user_reacts(ALEX, "😊", fake.self_aci, sent["timestamp"])
    reaction = (await client.notification())["params"]["envelope"]["dataMessage"]
    assert reaction["message"] is None
    assert reaction["reaction"] == {
        "emoji": "😊",
        "targetAuthor": ACCOUNT,
        "targetAuthorNumber": ACCOUNT,
        "targetAuthorUuid": fake.self_aci,
        "targetSentTimestamp": sent["timestamp"],
        "isRemove": False,
    }
    assert fake.transcript(ALEX)[0].reactions == ["😊"]
    fake.user_reacts(ALEX, "😊", fake.self_aci, sent["timestamp"], remove=True)
    assert (await client.notification())["params"]["envelope"]["dataMessage"]["reaction"][
        "isRemove"
    ]
    assert fake.transcript(ALEX)[0].reactions == []

    original = fake.user_sends(ALEX, "I feel godo")
    await client.notification()
    edited = fake.user_edits(ALEX, original, "I feel good")
    envelope = (await client.notification())["params"]["envelope"]
    assert envelope["timestamp"] == edited
    assert envelope["editMessage"]["targetSentTimestamp"] == original
    assert envelope["editMessage"]["dataMessage"]["message"] == "I feel good"
    assert "dataMessage" not in envelope


async def test_noise_envelopes(fake: FakeSignalDaemon, client: RawClient) -> None:
    sent = (await client.request("send", {"recipient": ALEX, "message": "hello"}))["result"]
    fake.noise(ALEX, "receipt")
    receipt = (await client.notification())["params"]["envelope"]["receiptMessage"]
    assert receipt["isDelivery"] and receipt["timestamps"] == [sent["timestamp"]]

    fake.noise(ALEX, "typing")
    typing = (await client.notification())["params"]["envelope"]["typingMessage"]
    assert typing["action"] == "STARTED"

    fake.noise(ALEX, "sync")
    envelope = (await client.notification())["params"]["envelope"]
    assert envelope["sourceUuid"] == fake.self_aci  # from the bot's own linked device
    assert envelope["syncMessage"]["sentMessage"]["destinationUuid"] == ALEX

    fake.noise(ALEX, "exception")
    params = (await client.notification())["params"]
    assert params["exception"]["type"] == "UntrustedIdentityException"
    assert params["envelope"]["sourceUuid"] == ALEX
    content = {"dataMessage", "editMessage", "syncMessage", "receiptMessage", "typingMessage"}
    assert not content & set(params["envelope"])


# --- strictness ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("send", {"recipient": [ALEX], "mesage": "typo"}),
        ("send", {"recipients": ALEX, "message": "plural takes only an array"}),
        ("send", {"recipient": ALEX, "recipients": [ALEX], "message": "both"}),
        ("send", {"recipient": [ALEX], "message": 5}),
        ("send", {"recipient": [ALEX], "message": "x", "quoteTimestamp": "123"}),
        ("send", {"recipient": [ALEX], "message": "x", "viewOnce": "true"}),
        ("send", {"recipient": [ALEX], "message": "x", "group": "abc"}),
        ("sendReaction", {"recipient": [ALEX], "targetAuthor": ALEX, "targetTimestamp": 1}),
        ("sendReceipt", {"recipient": ALEX, "targetTimestamp": [1], "type": "seen"}),
        ("sendReceipt", {"recipient": [ALEX], "targetTimestamp": [1]}),
        ("sendTyping", {"recipient": [ALEX], "username": ["sam.01"]}),
        ("subscribeReceive", {"anything": 1}),
        ("updateProfile", {"name": "Hearthside"}),
        ("send", {"recipient": [ALEX], "message": "x", "textStyle": ["0:5:BOLD"]}),
        ("send", {"recipient": [ALEX], "attachment": ["/tmp/chart.png"]}),
    ],
)
async def test_what_signal_cli_would_ignore_is_refused(
    fake: FakeSignalDaemon, client: RawClient, method: str, params: dict[str, Any]
) -> None:
    code, _ = error_of(await client.request(method, params))
    assert code == -32602
    assert fake.calls == []
    assert fake.rejected[0][:3] == (method, params, -32602)


async def test_list_options_take_one_value_or_an_array_under_either_name(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    for params in (
        {"recipient": ALEX, "message": "scalar"},
        {"recipient": [ALEX], "message": "array"},
        {"recipients": [ALEX], "message": "plural"},
    ):
        assert "result" in await client.request("send", params)
    assert [m.text for m in fake.transcript(ALEX)] == ["scalar", "array", "plural"]
    assert fake.rejected == []


async def test_params_must_be_an_object(client: RawClient) -> None:
    code, _ = error_of(await client.request("send", [ALEX, "hi"]))
    assert code == -32600


@pytest.mark.parametrize("method", sorted(SPECS))
async def test_every_method_of_the_fake_exists(client: RawClient, method: str) -> None:
    response = await client.request(method)
    if "error" in response:
        assert response["error"]["code"] != -32601 or method == "listAccounts"


# --- sending -------------------------------------------------------------------------------


async def test_send_returns_timestamp_and_results_and_lands_in_the_transcript(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    chart = "data:image/png;filename=mood.png;base64," + base64.b64encode(PNG).decode()
    params = {
        "recipient": [ALEX],
        "message": "Héllo 😊 there",
        "textStyle": ["0:5:BOLD", "6:2:ITALIC"],
        "attachment": [chart],
        "quoteTimestamp": 1700000000000,
        "quoteAuthor": ALEX,
        "quoteMessage": "hi",
    }
    result = (await client.request("send", params))["result"]
    assert result["results"] == [
        {
            "recipientAddress": {"uuid": ALEX, "number": "+15550002222", "username": None},
            "type": "SUCCESS",
        }
    ]
    message = await fake.next_message(ALEX)
    assert message == SentMessage(
        timestamp=result["timestamp"],
        text="Héllo 😊 there",
        text_styles=[(0, 5, "BOLD"), (6, 2, "ITALIC")],
        quote=(ALEX, 1700000000000),
        attachments=[("image/png", "mood.png", PNG)],
    )
    assert await fake.next_call("send", recipient=[ALEX]) == params


async def test_send_timestamps_increase(client: RawClient) -> None:
    stamps = [
        (await client.request("send", {"recipient": ALEX, "message": str(i)}))["result"][
            "timestamp"
        ]
        for i in range(5)
    ]
    assert stamps == sorted(set(stamps))


async def test_a_username_recipient(fake: FakeSignalDaemon, client: RawClient) -> None:
    assert "result" in await client.request("send", {"username": "sam.01", "message": "hi"})
    assert "result" in await client.request("send", {"recipient": "u:sam.01", "message": "hi"})
    assert len(fake.transcript(SAM)) == 2


async def test_unknown_recipients(client: RawClient) -> None:
    # A number (or username) is looked up before sending, and refused.
    by_number = await client.request("send", {"recipient": "+15557778888", "message": "x"})
    assert by_number["error"] == {
        "code": -1,
        "message": "The user +15557778888 is not registered.",
        "data": None,
    }
    # An ACI is tried, and comes back UNREGISTERED_FAILURE.
    by_aci = await client.request("send", {"recipient": STRANGER_ACI, "message": "x"})
    assert error_of(by_aci) == (-1, "Failed to send message")
    (entry,) = by_aci["error"]["data"]["response"]["results"]
    assert entry["type"] == "UNREGISTERED_FAILURE"
    assert entry["recipientAddress"]["uuid"] == STRANGER_ACI


async def test_an_unregistered_person(fake: FakeSignalDaemon, client: RawClient) -> None:
    fake.unregister(ALEX)
    response = await client.request("send", {"recipient": ALEX, "message": "x"})
    assert error_of(response) == (-1, "Failed to send message")
    assert response["error"]["data"]["response"]["results"][0]["type"] == "UNREGISTERED_FAILURE"
    assert fake.transcript(ALEX) == []


async def test_rate_limit_until_the_challenge_is_submitted(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    fake.rate_limit_sends(token="tok-123", retry_after=86400)
    response = await client.request("send", {"recipient": ALEX, "message": "x"})
    assert error_of(response) == (-5, "Failed to send message due to rate limiting")
    (entry,) = response["error"]["data"]["response"]["results"]
    assert entry["type"] == "RATE_LIMIT_FAILURE"
    assert (entry["token"], entry["retryAfterSeconds"]) == ("tok-123", 86400)
    assert fake.transcript(ALEX) == []

    wrong = await client.request("submitRateLimitChallenge", {"challenge": "x", "captcha": "c"})
    assert error_of(wrong)[0] == -6
    right = {"challenge": "tok-123", "captcha": "signalcaptcha://abc"}
    assert (await client.request("submitRateLimitChallenge", right))["result"] == {}
    assert "result" in await client.request("send", {"recipient": ALEX, "message": "x"})
    assert fake.challenges[-1] == ("tok-123", "signalcaptcha://abc")


async def test_untrusted_identity_until_trusted(fake: FakeSignalDaemon, client: RawClient) -> None:
    fake.untrusted(ALEX)
    response = await client.request("send", {"recipient": ALEX, "message": "x"})
    assert error_of(response) == (-4, "Failed to send message due to untrusted identities")
    assert response["error"]["data"]["response"]["results"][0]["type"] == "IDENTITY_FAILURE"
    # Others are still reachable.
    assert "result" in await client.request("send", {"recipient": SAM, "message": "x"})
    trusted = await client.request("trust", {"recipient": ALEX, "trustAllKnownKeys": True})
    assert trusted["result"] == {}
    assert "result" in await client.request("send", {"recipient": ALEX, "message": "x"})


async def test_a_partial_failure_is_a_result(fake: FakeSignalDaemon, client: RawClient) -> None:
    fake.unregister(SAM)
    response = await client.request("send", {"recipient": [ALEX, SAM], "message": "x"})
    types = sorted(r["type"] for r in response["result"]["results"])
    assert types == ["SUCCESS", "UNREGISTERED_FAILURE"]


async def test_a_group(fake: FakeSignalDaemon, client: RawClient) -> None:
    created = await client.request("updateGroup", {"name": "Peers", "member": [ALEX, SAM]})
    group_id = created["result"]["groupId"]
    groups = (await client.request("listGroups"))["result"]
    assert [(g["id"], g["name"], len(g["members"])) for g in groups] == [(group_id, "Peers", 2)]
    sent = await client.request("send", {"groupId": group_id, "message": "hello all"})
    assert {r["groupId"] for r in sent["result"]["results"]} == {group_id}
    assert [m.text for m in fake.groups[group_id].transcript] == ["hello all"]
    assert "result" in await client.request("quitGroup", {"groupId": group_id, "delete": True})
    assert fake.groups == {}


async def test_edit_delete_react_type_receipt(fake: FakeSignalDaemon, client: RawClient) -> None:
    sent = (await client.request("send", {"recipient": ALEX, "message": "draft"}))["result"]
    ts = sent["timestamp"]
    edit = {"recipient": ALEX, "message": "final", "editTimestamp": ts}
    assert (await client.request("send", edit))["result"]["timestamp"] > ts
    assert "result" in await client.request(
        "remoteDelete", {"recipient": ALEX, "targetTimestamp": ts}
    )
    (message,) = fake.transcript(ALEX)
    assert (message.text, message.edits, message.current_text, message.deleted) == (
        "draft",
        ["final"],
        "final",
        True,
    )
    theirs = fake.user_sends(ALEX, "hi")
    reaction = {"recipient": ALEX, "emoji": "❤️", "targetAuthor": ALEX, "targetTimestamp": theirs}
    assert "result" in await client.request("sendReaction", reaction)
    assert fake.reactions_sent[0].emoji == "❤️"
    assert fake.reactions_sent[0].target_timestamp == theirs
    assert "result" in await client.request("sendTyping", {"recipient": ALEX})
    assert fake.users[ALEX].bot_typing
    assert "result" in await client.request("sendTyping", {"recipient": ALEX, "stop": True})
    assert not fake.users[ALEX].bot_typing
    receipt = {"recipient": ALEX, "targetTimestamp": theirs, "type": "read"}
    assert "result" in await client.request("sendReceipt", receipt)
    assert fake.receipts_sent == [(ALEX, [theirs], "read")]


async def test_send_refusals_signal_cli_makes(client: RawClient) -> None:
    empty = await client.request("send", {"recipient": ALEX})
    assert error_of(empty) == (
        -1,
        "Sending empty message is not allowed, either a message, attachment or sticker "
        "must be given.",
    )
    nobody = await client.request("send", {"message": "x"})
    assert error_of(nobody) == (-1, "No recipients given")
    style = await client.request(
        "send", {"recipient": ALEX, "message": "x", "textStyle": "0:1:LOUD"}
    )
    assert error_of(style) == (-1, "Invalid style: LOUD")
    quote = await client.request("send", {"recipient": ALEX, "message": "x", "quoteTimestamp": 1})
    assert error_of(quote) == (-1, "Quote author parameter is missing")


async def test_profile_contact_and_user_status(fake: FakeSignalDaemon, client: RawClient) -> None:
    profile = {"givenName": "Hearthside", "about": "Peer support"}
    assert (await client.request("updateProfile", profile))["result"] == {}
    assert fake.profile == profile
    contact = {"recipient": ALEX, "expiration": 3600}
    assert (await client.request("updateContact", contact))["result"] == {}
    assert fake.contacts[ALEX] == {"expiration": 3600}
    status = await client.request(
        "getUserStatus", {"recipient": ["+15550002222", "+15550009999"], "username": "sam.01"}
    )
    assert [(s["recipient"], s["uuid"], s["isRegistered"]) for s in status["result"]] == [
        ("+15550002222", ALEX, True),
        ("+15550009999", None, False),
        ("sam.01", SAM, True),
    ]


# --- faults --------------------------------------------------------------------------------


async def test_fail_next_fails_once_without_effect(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    fake.fail_next("send", -3, "Failed to send message: network", {"detail": 1})
    failed = await client.request("send", {"recipient": ALEX, "message": "x"})
    assert failed["error"] == {
        "code": -3,
        "message": "Failed to send message: network",
        "data": {"detail": 1},
    }
    assert fake.transcript(ALEX) == []
    assert "result" in await client.request("send", {"recipient": ALEX, "message": "x"})
    assert len(fake.transcript(ALEX)) == 1


async def test_push_between_puts_a_notification_before_the_response(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    fake.push_between()
    await client.send({"jsonrpc": "2.0", "method": "version", "id": 1})
    first, second = await client.read(), await client.read()
    assert first["method"] == "receive"
    assert first["params"]["envelope"]["typingMessage"]["action"] == "STARTED"
    assert second["id"] == 1


async def test_drop_connections_cuts_clients_off(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    fake.drop_connections(partial_line=True)
    data = await asyncio.wait_for(client.reader.read(), 5)
    assert data.startswith(b'{"jsonrpc":"2.0","method":"receive"')
    assert not data.endswith(b"\n")
    assert fake.connection_count == 0
    # A new connection works.
    async with await RawClient.connect(fake.address) as again:
        assert "result" in await again.request("version")


async def test_a_delayed_call_still_happens_when_its_connection_drops(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    fake.delay("send", 0.1)
    await client.send(
        {
            "jsonrpc": "2.0",
            "method": "send",
            "params": {"recipient": ALEX, "message": "x"},
            "id": 1,
        }
    )
    await fake.next_call("send")
    fake.drop_connections()
    message = await fake.next_message(ALEX)  # sent, though nobody hears the answer
    assert message.text == "x"


async def test_restart_keeps_the_port_and_the_state(
    fake: FakeSignalDaemon, client: RawClient
) -> None:
    sent = (await client.request("send", {"recipient": ALEX, "message": "before"}))["result"]
    address = fake.address
    await fake.restart()
    assert await client.reader.read() == b""  # the old connection is gone
    queued = fake.user_sends(ALEX, "while away")
    assert fake.address == address
    async with await RawClient.connect(address) as again:
        note = await again.notification()
        assert note["params"]["envelope"]["timestamp"] == queued
        assert (await again.request("version"))["result"] == {"version": VERSION}
    assert fake.transcript(ALEX)[0].timestamp == sent["timestamp"]


async def test_next_call_waits_and_matches(fake: FakeSignalDaemon, client: RawClient) -> None:
    waiter = asyncio.create_task(fake.next_call("send", recipient=[SAM]))
    await client.request("send", {"recipient": ALEX, "message": "to alex"})
    assert not waiter.done()
    await client.request("send", {"recipient": SAM, "message": "to sam"})
    assert (await waiter)["message"] == "to sam"
    # Taken calls are not returned again; the earlier one still is.
    assert (await fake.next_call("send"))["message"] == "to alex"
    with pytest.raises(AssertionError, match="no a send call"):
        await fake.next_call("send", timeout=0.05)


def test_the_wire_is_compact_utf8() -> None:
    from tests.fake_signal.protocol import encode

    assert (
        encode({"a": "😊", "b": [1, 2]})
        == json.dumps({"a": "😊", "b": [1, 2]}, ensure_ascii=False, separators=(",", ":")).encode()
        + b"\n"
    )
