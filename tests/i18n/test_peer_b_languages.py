"""Whose language an alert to several admins is made in, and the words admins and
volunteers type, in English or in Spanish."""

import random

from bot.app import known_channels
from flows.admin.audit_trail import _filters
from flows.admin.channel_pauses import tell_admins
from flows.catalogue import create_engine
from flows.core.clock import ManualClock
from flows.core.config import FlowConfig
from flows.core.language import _, pseudo
from flows.peer.shifts import parse_shift
from storage import Account, Database
from tests.conftest import CRISIS_TEXT

NOTHING_TO_LIFT = "Signal isn't running here, so there is nothing to lift."


async def test_an_alert_to_the_admins_is_made_in_each_ones_language(
    db: Database, clock: ManualClock
) -> None:
    reads_pseudo, reads_english, no_row = (Account("telegram", str(n)) for n in (11, 12, 13))
    config = FlowConfig(
        crisis_resources=CRISIS_TEXT,
        admins=frozenset(
            f"telegram:{a.external_id}" for a in (reads_pseudo, reads_english, no_row)
        ),
        default_language="qps",
    )
    engine = create_engine(db, clock, config, rng=random.Random(1), channels=known_channels())
    async with db.transaction() as tx:
        for account, language in ((reads_pseudo, "qps"), (reads_english, "en")):
            await tx.members.create_for_account(
                account, timezone="UTC", now=clock.now(), language=language
            )

    outcome = await tell_admins(engine, lambda: _(NOTHING_TO_LIFT))

    sent = {d.account: d.reply.text for d in outcome.deliveries}
    assert sent == {
        reads_pseudo: pseudo(NOTHING_TO_LIFT),
        reads_english: NOTHING_TO_LIFT,
        # An admin from ADMINS with no member row reads the deployment's default.
        no_row: pseudo(NOTHING_TO_LIFT),
    }
    assert all(d.reply.urgent for d in outcome.deliveries)
    # A text already made (a channel's own words) goes to every admin as it is.
    as_made = await tell_admins(engine, "Paused.")
    assert sorted(d.reply.text for d in as_made.deliveries) == ["Paused."] * 3


def test_a_shift_can_be_typed_with_english_or_spanish_days() -> None:
    assert parse_shift("Mon 18:00-22:00") == (0, "18:00", "22:00")
    assert parse_shift("Wed 9:00 to 13:00") == (2, "09:00", "13:00")
    assert parse_shift("lunes 18:00 a 22:00") == (0, "18:00", "22:00")
    assert parse_shift("Miércoles 9:00-13:00") == (2, "09:00", "13:00")
    assert parse_shift("mie 9:00-13:00") == (2, "09:00", "13:00")
    assert parse_shift("sábado 22:00-02:00") == (5, "22:00", "02:00")
    assert parse_shift("dom 10:00 - 12:00") == (6, "10:00", "12:00")
    # "a" between the times only as a word of its own: "9am-1pm" is still two times.
    assert parse_shift("Tue 9am-1pm") == (1, "09:00", "13:00")
    assert parse_shift("xyz 9:00-10:00") is None


def test_the_audit_filter_takes_its_word_in_spanish_too() -> None:
    assert _filters(["action", "bar"]) == (None, "bar")
    assert _filters(["acción", "bar"]) == (None, "bar")
    assert _filters(["actor", "12", "accion", "invite"]) == ("12", "invite")
    assert _filters(["acciones", "bar"]) is None
