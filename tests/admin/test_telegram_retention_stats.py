"""/stats says how long the deployment keeps what (RETENTION_DAYS_*), over the real
Telegram stack."""

from pathlib import Path

from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from tests.conftest import CRISIS_TEXT
from tests.fake_telegram import FakeTelegram
from tests.peer.test_telegram_peer import ADMIN, people, start_peer_bot
from tests.telegram_harness import text_of


async def test_stats_says_what_the_retention_settings_are(
    fake: FakeTelegram, db_path: Path, clock: ManualClock
) -> None:
    config = FlowConfig(
        crisis_resources=CRISIS_TEXT,
        admins=frozenset({f"telegram:{ADMIN}"}),
        retention_days_checkins=90,
        retention_days_safety=0,
    )
    bot = await start_peer_bot(fake, db_path, clock, config=config)
    try:
        admin, *_ = people(fake)
        stats = text_of(await admin.send("/stats", expect="Hearthside, in aggregates"))
        assert "Kept for (RETENTION_DAYS_* settings" in stats
        assert "• check-ins: deleted after 90 days" in stats
        assert "• safety check records: kept, with no time limit" in stats
        assert "• records of closed peer chats: deleted after 365 days" in stats  # the default
    finally:
        await bot.stop()
