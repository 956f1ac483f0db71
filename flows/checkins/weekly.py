"""The weekly connection check-in: the 3-item UCLA loneliness scale plus community contact.

UCLA-3 (Hughes et al. 2004): three items answered hardly ever (1), some of the
time (2) or often (3); the total runs 3-9, and 6 or more is the usual research
split for loneliness. Members never see a score or a label.
"""

from datetime import timedelta
from typing import ClassVar, Literal, TypedDict

from flows.checkins.prompt_times import next_connection_prompt
from flows.community import after_connection_checkin
from flows.core.context import Context
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _
from flows.core.local_time import local_today
from flows.core.values import Choice
from storage import ConnectionCheckin

# Labels and questions are marked sources, translated where they are shown.
FREQUENCY = (
    Choice("1", N_("Hardly ever")),
    Choice("2", N_("Some of the time")),
    Choice("3", N_("Often")),
)
Item = Literal["lack_companionship", "left_out", "isolated"]
ITEMS: tuple[tuple[Item, str], ...] = (
    ("lack_companionship", N_("How often do you feel that you lack companionship?")),
    ("left_out", N_("How often do you feel left out?")),
    ("isolated", N_("How often do you feel isolated from others?")),
)
CONTACT_CHOICES = (*tuple(Choice(str(n), str(n)) for n in range(5)), Choice("5", N_("5 or more")))
CONTACTS_MAX = 500
LONELY_FROM = 6


class ConnectionData(TypedDict, total=False):
    # The three UCLA-3 items answered so far, by their keys in ITEMS.
    lack_companionship: int
    left_out: int
    isolated: int


class Connection(Flow[ConnectionData]):
    name = "connection"
    title = N_("connection check-in")
    timeout: ClassVar[timedelta] = timedelta(hours=24)

    async def begin(self, ctx: Context) -> None:
        ctx.say(_("A few questions about connection, thinking about the past week."))
        self._ask_item(ctx, 0)

    def _ask_item(self, ctx: Context, index: int) -> None:
        question = _(ITEMS[index][1])
        steps = (self.on_lack_companionship, self.on_left_out, self.on_isolated)
        frequency = [Choice(c.value, _(c.label)) for c in FREQUENCY]
        ctx.ask(steps[index], f"({index + 1}/4) {question}", frequency, columns=3)

    async def _item(self, ctx: Context, answer: Chosen, index: int) -> None:
        self.data(ctx)[ITEMS[index][0]] = int(answer.choice.value)
        if index + 1 < len(ITEMS):
            self._ask_item(ctx, index + 1)
            return
        ctx.ask(
            self.on_contacts,
            "(4/4) "
            + _(
                "This past week, how many people from your recovery community did you "
                "talk with? Choose a number or type one."
            ),
            [Choice(c.value, _(c.label)) for c in CONTACT_CHOICES],
            columns=6,
            free_text=True,
            numbered=False,  # "1" is one person, not the first option ("0")
        )

    async def on_lack_companionship(self, ctx: Context, answer: Chosen) -> None:
        await self._item(ctx, answer, 0)

    async def on_left_out(self, ctx: Context, answer: Chosen) -> None:
        await self._item(ctx, answer, 1)

    async def on_isolated(self, ctx: Context, answer: Chosen) -> None:
        await self._item(ctx, answer, 2)

    async def on_contacts(self, ctx: Context, answer: Answer) -> None:
        raw = answer.choice.value if answer.choice else answer.text.strip()
        if not raw.isdecimal() or int(raw) > CONTACTS_MAX:
            ctx.reask(_("Just a number is perfect — for example 0, 2 or 7."))
            return
        member = ctx.require_member()
        items = [int(self.data(ctx)[key]) for key, _question in ITEMS]
        total = sum(items)
        await ctx.tx.checkins.record_connection(
            member.id,
            local_date=local_today(member.timezone, ctx.now),
            answers=ConnectionCheckin(
                local_date=local_today(member.timezone, ctx.now),
                lack_companionship=items[0],
                left_out=items[1],
                isolated=items[2],
                ucla3_total=total,
                community_contacts=int(raw),
            ),
            now=ctx.now,
        )
        await ctx.tx.members.schedule_connect(member.id, next_connection_prompt(member, ctx.now))
        await after_connection_checkin(
            ctx.tx,
            member.id,
            ucla3_total=total,
            community_contacts=int(raw),
            now=ctx.now,
            config=ctx.config,
        )
        ctx.finish()
        text = _("Thank you for sharing that. Connection matters as much as anything in recovery.")
        if total >= LONELY_FROM:
            text += "\n\n" + _(
                "It sounds like you've been feeling disconnected lately. That's common, "
                "and it can change — even one conversation or one meeting can help."
            )
        ctx.say(text)
