"""How the front door reads to a member: commands named whole, not split by a hyphen."""

from flows.core.engine import Engine
from storage import Account
from tests.chat_driver import ChatDriver


async def test_text_outside_a_question_names_connect_whole(engine: Engine) -> None:
    driver = ChatDriver(engine, Account("console", "1"))
    await driver.onboard(name="River")
    await driver.say("hello there")
    said = driver.last_text()
    assert "ask how connected you've been this week (/connect)" in said
    assert "/connect-ion" not in said
