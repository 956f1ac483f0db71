"""Command menus by role through the seam: what each role's menu lists, a menu change
kept in the outbox like any reply, and channels without menus never asked to show one."""

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from telegram.error import BadRequest, NetworkError

from flows.core.audience import Audience
from flows.core.clock import ManualClock
from flows.core.delivery import Postman, SendResult
from flows.core.engine import Engine
from flows.core.menus import menu_commands
from flows.core.outgoing import HeldWords, commit_replies
from flows.core.values import Menu, MenuRole, Reply
from handlers.console.console import ConsoleChannel
from handlers.telegram.channel import TelegramChannel
from storage import Account, Database

if TYPE_CHECKING:
    from telegram import Bot


def test_each_role_s_menu_lists_its_commands(engine: Engine) -> None:
    commands = list(engine.commands.values())
    member = menu_commands(commands, MenuRole.MEMBER)
    volunteer = menu_commands(commands, MenuRole.VOLUNTEER)
    admin = menu_commands(commands, MenuRole.ADMIN)
    assert not any(c.hidden for c in admin)
    assert {c.audience for c in member} <= {
        Audience.ANYONE,
        Audience.PERSON,
        Audience.MEMBER,
        Audience.COMMUNITY,
    }
    assert set(member) < set(volunteer) < set(admin)
    assert {c.audience for c in set(volunteer) - set(member)} == {
        Audience.VOLUNTEER,
        Audience.PEER,
    }
    assert [c for c in admin if not c.hidden] == [c for c in commands if not c.hidden]
    # In /help's order, the engine's.
    assert [c.name for c in volunteer] == [c.name for c in commands if c in volunteer]


def test_a_menu_change_survives_the_outbox() -> None:
    reply = Reply("", menu=Menu(MenuRole.VOLUNTEER, "de"))
    assert Reply.from_json(reply.to_json()).menu == Menu(MenuRole.VOLUNTEER, "de")
    assert Reply.from_json(Reply("hello").to_json()).menu is None


async def test_a_channel_without_menus_is_never_asked_to_show_one(
    db: Database, clock: ManualClock, tmp_path: Path
) -> None:
    out = io.StringIO()
    held = HeldWords(clock)
    postman = Postman(db, clock, held=held)
    postman.register(ConsoleChannel(out, lambda: "1", tmp_path))
    menu = Reply("", menu=Menu(MenuRole.ADMIN))
    async with db.transaction() as tx:
        committed = await commit_replies(tx, [(Account("console", "1"), menu)], clock.now(), held)
    await postman.deliver(committed.deliveries)
    assert out.getvalue() == ""  # nothing printed
    async with db.transaction() as tx:
        assert await tx.outbox.pending("console", created_before=clock.now(), limit=10) == []


class MenuBot:
    """Stands in for the Telegram bot's menu calls, failing as told."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def set_my_commands(self, commands: Any, **params: Any) -> bool:
        self.calls.append(("set", {"commands": [c.command for c in commands], **params}))
        if self.error is not None:
            raise self.error
        return True

    async def delete_my_commands(self, **params: Any) -> bool:
        self.calls.append(("delete", params))
        if self.error is not None:
            raise self.error
        return True


async def test_telegram_sets_one_chat_s_menu_and_a_refusal_is_no_block(engine: Engine) -> None:
    bot = MenuBot()
    channel = TelegramChannel(cast("Bot", bot), b"k" * 32, commands=engine.commands.values())
    assert await channel.set_menu("4242", Menu(MenuRole.ADMIN)) is SendResult.SENT
    assert await channel.set_menu("4242", Menu(MenuRole.MEMBER)) is SendResult.SENT
    (_, set_call), (_, delete_call) = bot.calls
    assert set_call["scope"].chat_id == 4242 and set_call["language_code"] is None
    assert "audit" in set_call["commands"]
    assert delete_call["scope"].chat_id == 4242 and delete_call["language_code"] is None
    # A chat Telegram doesn't know is no reason to think the person unreachable.
    refused = TelegramChannel(cast("Bot", MenuBot(BadRequest("Chat not found"))), b"k" * 32)
    assert await refused.set_menu("4242", Menu(MenuRole.ADMIN)) is SendResult.REJECTED
    flaky = TelegramChannel(cast("Bot", MenuBot(NetworkError("down"))), b"k" * 32)
    assert await flaky.set_menu("4242", Menu(MenuRole.ADMIN)) is SendResult.RETRY
