"""Which Signal sends are replies, how proactive ones are spaced, and Signal's pause."""

import asyncio
import time

import pytest

from handlers.signal.pacing import Pacer, Pause, is_reply, proactive, replying_to

ALEX, SAM = "aci-alex", "aci-sam"


def test_a_send_is_a_reply_only_to_the_person_being_answered() -> None:
    assert not is_reply(ALEX)  # outside any handling: scheduled work
    with replying_to(ALEX):
        assert is_reply(ALEX)
        assert not is_reply(SAM)  # a page, a relayed message: someone else
        with proactive():
            assert not is_reply(ALEX)  # the sweep or a drain, even to Alex
        assert is_reply(ALEX)
    assert not is_reply(ALEX)


async def test_each_task_answers_its_own_sender() -> None:
    async def answering(aci: str, other: str) -> tuple[bool, bool]:
        with replying_to(aci):
            await asyncio.sleep(0)  # the other task runs here
            return is_reply(aci), is_reply(other)

    results = await asyncio.gather(answering(ALEX, SAM), answering(SAM, ALEX))
    assert list(results) == [(True, False), (True, False)]


async def test_proactive_sends_are_spaced_by_the_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A clock of our own: each wait the pacer asks for moves it on, so the spacing is
    # checked by what was asked, never by timing the machine.
    now = [100.0]
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    pacer = Pacer(5.0, monotonic=lambda: now[0])
    for _ in range(4):
        await pacer.wait()
    assert waits == [5.0, 5.0, 5.0]  # the first goes at once, each next one 5 s later
    now[0] += 60  # a quiet minute: the next send need not wait
    await pacer.wait()
    assert waits == [5.0, 5.0, 5.0]
    now[0] += 2  # two seconds after it: three more to go
    await pacer.wait()
    assert waits[-1] == 3.0
    unpaced = Pacer(0, monotonic=lambda: now[0])
    for _ in range(100):
        await unpaced.wait()
    assert len(waits) == 4  # an interval of 0 never waits


def _paused(pause: Pause) -> bool:
    return pause.paused


def test_a_pause_starts_once_and_lifts() -> None:
    pause = Pause()
    assert not _paused(pause)
    assert pause.hit("tok", 86400)  # starts
    assert not pause.hit(None, 86400)  # already paused; the challenge is kept
    assert _paused(pause) and pause.challenge == "tok"
    pause.lift()
    assert not _paused(pause) and pause.challenge is None


def test_a_pause_without_a_captcha_ends_when_signals_wait_does() -> None:
    pause = Pause()
    pause.hit(None, 60)
    assert _paused(pause) and pause.until is not None
    pause.until = time.time() - 1  # a minute later
    assert not _paused(pause)


def _state(pause: Pause) -> tuple[str | None, float | None]:
    return pause.challenge, pause.until


def test_a_later_refusal_without_a_wait_keeps_the_pause_ending() -> None:
    pause = Pause()
    pause.hit(None, 60)
    until = pause.until
    assert until is not None
    assert not pause.hit(None, None)  # a later RATE_LIMIT_FAILURE saying nothing new
    assert _state(pause) == (None, until)
    pause.until = time.time() - 1  # Signal's wait is over
    assert not _paused(pause)  # it ends on its own, as admins were told
    pause.hit("tok", None)
    pause.hit(None, 30)
    challenge, ends = _state(pause)
    assert challenge == "tok" and ends is not None  # both kept
    pause.lift()
    assert _state(pause) == (None, None)


def test_a_pause_that_says_nothing_still_ends() -> None:
    pause = Pause()
    pause.hit(None, None)
    assert _paused(pause) and pause.until is not None  # "sending resumes on its own then"
