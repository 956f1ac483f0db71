"""Peer support, the crisis guard and community events, typed at the terminal.

Each test runs `python -m bot` in a subprocess and talks to it line by line
(`LiveConsole`), so a line can depend on what the bot printed before it (an
invite code, the number of an Accept button). Every read has a timeout and the
process is killed on the way out, so a test can fail but never hang.
"""

import codecs
import http.server
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

from tests.channels.test_console import console_env

READ_TIMEOUT = 15.0
PROMPT = re.compile(r"\nyou \(user (\d+)\)> ")


class LiveConsole:
    """`python -m bot` in the console, driven one typed line at a time."""

    def __init__(self, tmp_path: Path, **settings: str) -> None:
        env = console_env(tmp_path)
        env.update({name.upper(): value for name, value in settings.items()})
        # Logs go to a file: a pipe nobody reads could fill up and stall the bot.
        self._stderr_path = tmp_path / "stderr.log"
        with self._stderr_path.open("wb") as stderr:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=tmp_path,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        self._chunks: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._pump, name="console-out", daemon=True)
        self._reader.start()
        self.output = ""  # everything printed so far
        self._seen = 0  # where the last answer ended
        self.banner = self._until_prompt()

    def _pump(self) -> None:
        assert self._process.stdout is not None
        decoder = codecs.getincrementaldecoder("utf-8")()
        while chunk := os.read(self._process.stdout.fileno(), 65536):
            self._chunks.put(decoder.decode(chunk))
        self._chunks.put(None)

    def _until_prompt(self, timeout: float = READ_TIMEOUT) -> str:
        """Everything printed from the last answer up to the next prompt."""
        deadline = time.monotonic() + timeout
        while (found := PROMPT.search(self.output, self._seen)) is None:
            left = deadline - time.monotonic()
            try:
                chunk = self._chunks.get(timeout=max(left, 0.0)) if left > 0 else None
            except queue.Empty:
                chunk = None
            if chunk is None:
                self.kill()
                raise AssertionError(
                    f"no prompt within {timeout:.0f}s; the console printed:\n"
                    f"{self.output[self._seen :]}\nstderr:\n{self._stderr()}"
                )
            self.output += chunk
        answer = self.output[self._seen : found.start()]
        self._seen = found.end()
        return answer

    def mark(self) -> int:
        """A place in the output, for `wait_for`."""
        return len(self.output)

    def wait_for(self, text: str, since: int, timeout: float = READ_TIMEOUT) -> str:
        """Wait for `text` printed on its own (by the scheduler) after `since`.

        Returns all the output since `since`, `text` included.
        """
        deadline = time.monotonic() + timeout
        while (at := self.output.find(text, since)) < 0:
            left = deadline - time.monotonic()
            try:
                chunk = self._chunks.get(timeout=left) if left > 0 else None
            except queue.Empty:
                chunk = None
            if chunk is None:
                self.kill()
                raise AssertionError(
                    f"{text!r} not printed within {timeout:.0f}s; the console printed:\n"
                    f"{self.output[since:]}"
                )
            self.output += chunk
        return self.output[since : at + len(text)]

    def say(self, line: str) -> str:
        """Type one line; return what the console printed in answer to it."""
        assert self._process.stdin is not None
        self._process.stdin.write(line.encode() + b"\n")
        self._process.stdin.flush()
        return self._until_prompt()

    def act_as(self, user: str) -> None:
        assert f"You are now user {user}." in self.say(f"/as {user}")

    def _stderr(self) -> str:
        return self._stderr_path.read_text(errors="replace")

    def quit(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(b"/quit\n")
        self._process.stdin.close()
        assert self._process.wait(timeout=READ_TIMEOUT) == 0, self._stderr()

    def kill(self) -> None:
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=READ_TIMEOUT)

    def __enter__(self) -> "LiveConsole":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.kill()
        self._reader.join(timeout=READ_TIMEOUT)
        for stream in (self._process.stdin, self._process.stdout):
            if stream is not None:
                stream.close()


ADMIN = "1"
# Account ids long enough that finding one in a message cannot be a coincidence.
VOLUNTEER = "4242"
MEMBER = "7373"
SECOND_MEMBER = "8686"


def command_for(output: str, label: str) -> str:
    """The command a button shows as in the console: `• ✅ I'll go: send /rsvp 3 going`."""
    found = re.search(re.escape(label) + r": send (/[^\n]+)", output)
    assert found is not None, f"no {label!r} button in:\n{output}"
    return found.group(1).strip()


def addressed_to(output: str, user: str) -> str:
    """The messages in `output` shown to `user` while someone else is acting."""
    parts = re.split(r"\n\n(?=\[to user \d+\] )", output.lstrip("\n"))
    return "\n\n".join(p for p in parts if p.startswith(f"[to user {user}] "))


def without_addressing(output: str, *users: str) -> str:
    """The output less the console's own labels naming whom a line is for or from."""
    for user in users:
        for label in (f"you (user {user})> ", f"You are now user {user}.", f"[to user {user}] "):
            output = output.replace(label, "")
    return output


def invite_volunteer(console: LiveConsole, user: str, name: str) -> None:
    """The admin's /invite, redeemed by `user`, who sets up and goes on call."""
    console.act_as(ADMIN)
    invite = console.say("/invite")
    assert "one-time invite" in invite
    code = re.search(r"/volunteer (\S+)", invite)
    assert code is not None, invite
    console.act_as(user)
    assert "What display name" in console.say(f"/volunteer {code.group(1)}")
    assert "Which topics" in console.say(name)
    assert "How many chats" in console.say("done")
    assert "Which time zone" in console.say("1")
    assert f"You're set up as a peer volunteer, {name}!" in console.say("UTC")
    assert "You're on call" in console.say("/oncall")
    # The code works once.
    console.act_as(SECOND_MEMBER)
    assert "isn't valid" in console.say(f"/volunteer {code.group(1)}")


def join_as_member(
    console: LiveConsole, user: str, name: str, zone: str = "UTC", *, check_in_later: bool = True
) -> None:
    """Sign-up: consent, a chosen name, time zone, no daily reminder (so no scheduled
    prompt can interleave), and the first check-in put off unless `check_in_later` is off."""
    console.act_as(user)
    assert "Is it okay for me to store your check-ins?" in console.say("/start")
    assert "What name would you like" in console.say("1")
    assert "Which time zone" in console.say(name)
    assert "daily check-in reminder" in console.say(zone)
    done = console.say("No daily reminder")
    assert f"You're all set, {name}!" in done and "first check-in now?" in done
    if check_in_later:
        assert "Whenever you're ready" in console.say("Later")


def test_peer_support_from_invite_to_feedback(tmp_path: Path) -> None:
    with LiveConsole(tmp_path, admins=f"console:{ADMIN}") as console:
        invite_volunteer(console, VOLUNTEER, "Sam")
        join_as_member(console, MEMBER, "River", check_in_later=False)
        # Asking for a peer at the offer of a first check-in: nothing is left unfinished.
        talk = console.say("/talk")
        assert "unfinished" not in talk
        assert "something you'd like to talk about?" in talk
        asked = console.say("Feeling low")
        assert "I've let the peers on call know" in asked
        notice = addressed_to(asked, VOLUNTEER)
        assert "River would like to talk" in notice and "Topic: Feeling low" in notice
        accept = command_for(notice, "Accept")
        assert re.fullmatch(r"/accept [0-9a-f]{10}", accept)
        # Waiting: the member's words are not lost or relayed to nobody.
        assert "You're in line for a peer" in console.say("is anyone there?")

        console.act_as(VOLUNTEER)
        accepted = console.say(accept)
        assert "You're now talking with River (topic: Feeling low)" in accepted
        assert "Sam, a peer volunteer with lived experience, is here now" in addressed_to(
            accepted, MEMBER
        )
        to_member = console.say("Hi River, I'm Sam. What's been going on?")
        assert re.search(
            r"\[to user 7373\] \[message #\d+\] Hi River, I'm Sam\. What's been going on\?",
            to_member,
        ), to_member

        console.act_as(MEMBER)
        to_volunteer = console.say("A rough week. Thanks for being here.")
        assert re.search(
            r"\[to user 4242\] \[message #\d+\] A rough week\. Thanks for being here\.",
            to_volunteer,
        ), to_volunteer

        ended = console.say("/end")
        assert "You've ended the chat" in ended
        assert "Did talking help?" in ended
        debrief = addressed_to(ended, VOLUNTEER)
        assert "River has ended the chat" in debrief and "How are you after that?" in debrief
        assert "Anything you'd like to add?" in console.say("4")
        assert "same peer" in console.say("skip")
        assert "/talk any time" in console.say("Yes please")
        # The chat is over: words are no longer relayed.
        after = console.say("one more thing")
        assert "[to user" not in after

        console.act_as(VOLUNTEER)
        assert "Thank you for what you do" in console.say(command_for(debrief, "I'm okay"))
        console.quit()

    # Neither side's account id reached anyone: only the console's own labels name them.
    shown = without_addressing(console.output, VOLUNTEER, MEMBER)
    assert VOLUNTEER not in shown and MEMBER not in shown


def test_crisis_mid_check_in_reaches_a_person(tmp_path: Path) -> None:
    with LiveConsole(tmp_path, admins=f"console:{ADMIN}") as console:
        invite_volunteer(console, VOLUNTEER, "Sam")
        join_as_member(console, MEMBER, "River")
        assert "How are you feeling today?" in console.say("/checkin")
        assert "Is anything weighing on you today?" in console.say("Low")

        answer = console.say("i want to kill myself")
        # The crisis reply comes first, to the member, with the emergency number.
        first, _, _ = answer.strip().partition("\n\n[to user ")
        assert first.startswith("Hearthside: ")
        assert "call 911" in first and "988" in first
        assert "automated assistant" in first
        assert "I'm letting an on-call peer know now" in first
        # Then the priority request, to the volunteer on call and to the admin.
        for user in (VOLUNTEER, ADMIN):
            notice = addressed_to(answer, user)
            assert "URGENT — crisis flagged: River would like to talk." in notice, answer
        admin_notice = re.search(r"\[to user 1\] \[message #(\d+)\] Hearthside: 🔴 URGENT", answer)
        assert admin_notice is not None, answer
        # The check-in was set aside: the next words are not taken as an answer.
        waiting = console.say("please")
        assert "You're in line for a peer" in waiting
        assert "weighing on you" not in waiting

        console.act_as(VOLUNTEER)
        accepted = console.say(command_for(addressed_to(answer, VOLUNTEER), "Accept"))
        assert "flagged by the crisis guard" in accepted
        # The admin's copy of the request is edited, and says which message it was.
        assert (
            f"[to user 1] Hearthside (updates message #{admin_notice.group(1)}): "
            "River: taken by another peer"
        ) in accepted
        assert "Sam, a peer volunteer" in addressed_to(accepted, MEMBER)
        # The note on accepting says /handover; typed bare it means this chat.
        handover = console.say("/handover")
        assert "I've alerted the admins" in handover
        assert "Sam asks an admin to step in on their chat with River" in addressed_to(
            handover, ADMIN
        )
        console.quit()
    # The words themselves reached nobody (typed lines are not echoed): the requests carry
    # the pseudonym and the priority only.
    assert "kill myself" not in console.output


def test_crisis_during_sign_up_without_a_volunteer_reaches_the_admin(tmp_path: Path) -> None:
    with LiveConsole(tmp_path, admins=f"console:{ADMIN}") as console:
        console.act_as(MEMBER)
        console.say("/start")
        answer = console.say("i want to kill myself")
        first, _, _ = answer.strip().partition("\n\n[to user ")
        assert "call 911" in first
        assert "on-call peer" not in first  # only said when true
        notice = addressed_to(answer, ADMIN)
        assert "URGENT — crisis flagged" in notice
        console.act_as(ADMIN)
        accepted = console.say(command_for(notice, "Accept"))
        # An admin answers as a coordinator, and is not passed off as a peer.
        intro = addressed_to(accepted, MEMBER)
        assert "A Hearthside coordinator has joined and is here now" in intro
        assert "peer volunteer" not in intro
        console.quit()


def _event_day() -> datetime:
    """18:30 UTC (the default DEFAULT_TIMEZONE) three days from now, by the real clock."""
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    return datetime(day.year, day.month, day.day, 18, 30, tzinfo=UTC)


def _as_listed(moment: datetime, zone: str) -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def test_events_rsvp_cancel_and_nudges_off(tmp_path: Path) -> None:
    starts = _event_day()
    with LiveConsole(tmp_path, admins=f"console:{ADMIN}") as console:
        line = f"/newevent {starts:%Y-%m-%d} 18:30 | Recovery walk | Riverside Park gate"
        join_as_member(console, MEMBER, "River", zone="New York")
        assert "for admins" in console.say(line)

        console.act_as(ADMIN)
        posted = console.say(line)
        assert "Posted:" in posted
        event_id = re.search(r"Recovery walk  \(#(\d+)\)", posted)
        assert event_id is not None, posted
        assert f"📅 {_as_listed(starts, 'UTC')} · Recovery walk" in posted
        assert "📍 Riverside Park gate" in posted

        console.act_as(MEMBER)
        listed = console.say("/events")
        assert "Times are in your time zone (New York)" in listed
        assert f"📅 {_as_listed(starts, 'America/New_York')} · Recovery walk" in listed
        going = console.say(command_for(listed, "✅ I'll go"))
        assert "you're going to Recovery walk" in going
        assert "I'll remind you" in going
        assert "Your answer: ✅ I'll go" in console.say("/events")

        off = console.say("/nudges off")
        assert "no more event suggestions" in off and "/nudges on" in off
        assert "Event suggestions are off" in console.say("/nudges")

        # Cancelling tells those going, by their own clock.
        console.act_as(ADMIN)
        confirm = console.say(f"/cancelevent {event_id.group(1)}")
        assert "1 person said they'd go" in confirm
        cancelled = addressed_to(console.say("Yes, cancel it"), MEMBER)
        new_york = _as_listed(starts, "America/New_York")
        assert f"❌ Recovery walk on {new_york} has been cancelled" in cancelled
        console.quit()


def test_an_isolated_member_is_nudged_and_can_stop_it(tmp_path: Path) -> None:
    starts = _event_day()
    with LiveConsole(
        tmp_path, admins=f"console:{ADMIN}", quiet_hours="off", scheduler_tick_seconds="1"
    ) as console:
        console.act_as(ADMIN)
        console.say(f"/newevent {starts:%Y-%m-%d} 18:30 | Recovery walk | Riverside Park gate")
        join_as_member(console, MEMBER, "River")
        assert "(1/4)" in console.say("/connect")
        for _ in range(3):
            console.say("Often")
        since = console.mark()
        assert "disconnected" in console.say("0")  # a UCLA-3 total of 9: lonely
        # A scheduler sweep (every second here) invites River to the walk, once.
        nudge = console.wait_for("Stop suggestions: send /nudges off", since)
        assert "Hi River" in nudge and "Recovery walk" in nudge
        assert nudge.count("Stop suggestions") == 1
        assert "I'll go: send /rsvp" in nudge
        stop = console.say(command_for(nudge, "🔕 Stop suggestions"))
        assert "no more event suggestions" in stop
        console.quit()


class _FeedHandler(http.server.BaseHTTPRequestHandler):
    body = b"[]"

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the test reads the console, not the server


def test_weekly_meetings_from_a_feed_and_a_series_typed_at_the_terminal(tmp_path: Path) -> None:
    # An online meeting on the weekday three days from now, and the admin's own weekly walk.
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    meeting = {
        "slug": "tuesday-online",
        "name": "Hope Online",
        "day": (day.weekday() + 1) % 7,  # the spec counts from Sunday = 0
        "time": "19:00",
        "timezone": "UTC",
        "types": ["O", "ONL"],
        "conference_url": "https://zoom.us/j/5550001",
        "updated": "2026-11-01 12:00:00",
    }
    handler = type("Feed", (_FeedHandler,), {"body": json.dumps([meeting]).encode()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/meetings.json"
    try:
        with LiveConsole(
            tmp_path,
            admins=f"console:{ADMIN}",
            meeting_feeds=url,
            quiet_hours="off",
            scheduler_tick_seconds="1",
        ) as console:
            join_as_member(console, MEMBER, "River")
            deadline = time.monotonic() + READ_TIMEOUT
            listed = console.say("/events online")
            while "Hope Online" not in listed and time.monotonic() < deadline:
                time.sleep(0.5)  # the first sweep syncs the feed
                listed = console.say("/events online")
            assert "Hope Online" in listed
            assert "💻 Join online: https://zoom.us/j/5550001" in listed
            usually = console.say(command_for(listed, "I usually go"))
            assert "usually go" in usually

            console.act_as(ADMIN)
            posted = console.say(f"/newevent every {day:%a} 18:30 | Recovery walk | Park gate")
            assert "🔁 Repeats every" in posted and "18:30" in posted

            console.act_as(MEMBER)
            walks = console.say("/events in person")
            assert "Recovery walk" in walks and "Hope Online" not in walks
            console.quit()
    finally:
        server.shutdown()
        server.server_close()


def test_an_admin_imports_a_calendar_file_at_the_terminal(tmp_path: Path) -> None:
    calendar = Path(__file__).parent / "fixtures" / "google_calendar.ics"
    with LiveConsole(tmp_path, admins=f"console:{ADMIN}") as console:
        join_as_member(console, MEMBER, "River")
        # A member's file is not read: the usual answer, nothing imported.
        refused = console.say(f"/file {calendar}")
        assert "I can only read text messages" in refused and "added" not in refused
        console.act_as(ADMIN)
        assert "Usage: /file <path>" in console.say("/file")
        assert "There is no file at" in console.say(f"/file {tmp_path / 'nowhere.ics'}")
        imported = console.say(f"/file {calendar}")
        assert "added" in imported and "Nothing was changed" not in imported
        console.act_as(MEMBER)
        assert "Tuesday NA meeting" in console.say("/events")
        console.quit()
