"""`/broadcast` (admins): the message (text, or a photo with its caption), its audience,
time-critical or not, a preview exactly as members will see it with the number it reaches,
and a confirmation; and the Cancel button of a broadcast under way (`/broadcast_cancel <id>`).

Nothing is stored until the admin confirms: /cancel at any step leaves nothing behind.
On confirmation the whole queue is written in one transaction (one row per recipient,
storage/broadcasts.py); the delivery loops (delivery.py) take it from there.
"""

import base64
import logging
from datetime import timedelta
from typing import ClassVar, TypedDict

from flows.broadcasts.audience import (
    ADMINS,
    ANNOUNCEMENTS,
    AUDIENCE_NAMES,
    MEMBERS,
    VOLUNTEERS,
    Reach,
    as_members_see_it,
    candidates,
    reach,
)
from flows.broadcasts.progress import cancel_button, first_progress
from flows.core import audit, notice_keys
from flows.core.audience import Audience
from flows.core.commands import Command
from flows.core.context import Context
from flows.core.engine import Engine
from flows.core.flow import Answer, Chosen, Flow
from flows.core.language import N_, _, ngettext
from flows.core.parsing import parse_id
from flows.core.values import COMMAND_TOKEN, Choice, MediaFile, Reply
from storage import Account

log = logging.getLogger(__name__)

# Room for the header and the last line inside Telegram's 4,096 characters, and inside
# the 1,024 of a photo's caption.
TEXT_MAX = 3500
CAPTION_MAX = 850
# A photo rides in the open conversation until the broadcast is confirmed.
PHOTO_MAX_BYTES = 2 * 1024 * 1024
TEXT_STEP = "text"
EVERY_CHANNEL = "every"
AUDIENCE_CHOICES = (
    Choice(MEMBERS, N_("All members"), "👥"),
    Choice(ANNOUNCEMENTS, N_("Members who take announcements"), "📣"),
    Choice(VOLUNTEERS, N_("Volunteers"), "🤝"),
    Choice(ADMINS, N_("Admins"), "🛠️"),
)
URGENCY_CHOICES = (
    Choice("normal", N_("No: wait for quiet hours to end"), "🌙"),
    Choice("critical", N_("Yes: send now, even in quiet hours"), "⏰"),
)
CONFIRM_CHOICES = (Choice("send", N_("Send it"), "✅"), Choice("cancel", N_("Don't send")))
WHO = N_("Who should get it?")


def translated(choices: tuple[Choice, ...]) -> list[Choice]:
    """Constant choices with their labels in the language being spoken."""
    return [Choice(choice.value, _(choice.label), choice.emoji) for choice in choices]


class BroadcastData(TypedDict, total=False):
    text: str
    photo: str  # base64, with its type
    photo_type: str
    audience: str
    channel: str | None
    time_critical: bool


def channel_name(name: str) -> str:
    return name.capitalize()


class ComposeBroadcast(Flow[BroadcastData]):
    """`/broadcast` step by step."""

    name = "broadcast"
    title = N_("broadcast")
    timeout: ClassVar[timedelta] = timedelta(hours=2)

    async def begin(self, ctx: Context) -> None:
        ctx.ask(
            self.on_text,
            _(
                "Let's write a broadcast. Send the message as you'd like people to read it "
                "(up to {max} characters), or a photo with its words as the caption. You'll "
                "see a preview before anything is sent, and /cancel stops at any step."
            ).format(max=TEXT_MAX),
            free_text=True,
        )

    async def cancelled(self, ctx: Context) -> str:
        return _("Okay, I've stopped the broadcast. Nothing was sent, and nothing of it was kept.")

    async def on_text(self, ctx: Context, answer: Answer) -> None:
        text = answer.text.strip()
        if not text:
            ctx.reask(_("Please send the message as text, or a photo with a caption."))
            return
        if len(text) > TEXT_MAX:
            ctx.reask(
                _(
                    "That's {count} characters; a broadcast holds up to {max}. Please send a "
                    "shorter message."
                ).format(count=len(text), max=TEXT_MAX)
            )
            return
        self.data(ctx)["text"] = text
        ctx.ask(self.on_audience, _(WHO), translated(AUDIENCE_CHOICES))

    async def with_photo(self, ctx: Context, photo: MediaFile | None) -> None:
        """A photo sent as the message (the engine hands media to `broadcast_photo`)."""
        text = ctx.input.text.strip()
        if photo is None:
            ctx.reask(
                _(
                    "I couldn't read that photo here. Please send it again, or send the "
                    "message as text."
                )
            )
            return
        if len(photo.data) > PHOTO_MAX_BYTES:
            ctx.reask(_("That photo is too big to broadcast. Please send a smaller one."))
            return
        if len(text) > CAPTION_MAX:
            ctx.reask(
                _(
                    "That caption is {count} characters; with a photo a broadcast holds up to "
                    "{max}. Please send the photo again with a shorter one."
                ).format(count=len(text), max=CAPTION_MAX)
            )
            return
        data = self.data(ctx)
        data["text"] = text
        data["photo"] = base64.b64encode(photo.data).decode("ascii")
        data["photo_type"] = photo.mime_type
        ctx.ask(self.on_audience, _(WHO), translated(AUDIENCE_CHOICES))

    async def on_audience(self, ctx: Context, answer: Chosen) -> None:
        audience = answer.choice.value
        data = self.data(ctx)
        data["audience"] = audience
        found = await candidates(ctx.tx, ctx.config, audience, None)
        channels = sorted({candidate.account.channel for candidate in found})
        if len(channels) < 2:
            data["channel"] = None
            self._ask_urgency(ctx)
            return
        choices = [Choice(EVERY_CHANNEL, _("Every channel"), "🌐")]
        choices += [
            Choice(name, _("Only {channel}").format(channel=channel_name(name)))
            for name in channels
        ]
        ctx.ask(self.on_channel, _("On every channel, or only one?"), choices)

    async def on_channel(self, ctx: Context, answer: Chosen) -> None:
        value = answer.choice.value
        self.data(ctx)["channel"] = None if value == EVERY_CHANNEL else value
        self._ask_urgency(ctx)

    def _ask_urgency(self, ctx: Context) -> None:
        ctx.ask(
            self.on_urgency,
            _(
                "Is it time-critical? If not, people inside their quiet hours ({hours} their "
                "time) get it when their quiet hours end."
            ).format(hours=ctx.config.quiet_hours),
            translated(URGENCY_CHOICES),
        )

    async def on_urgency(self, ctx: Context, answer: Chosen) -> None:
        data = self.data(ctx)
        data["time_critical"] = answer.choice.value == "critical"
        found = await candidates(ctx.tx, ctx.config, data["audience"], data.get("channel"))
        figures = reach(
            ctx.config, found, data["audience"], ctx.now, time_critical=data["time_critical"]
        )
        ctx.say(_("Here is the preview, exactly as they will see it:"))
        seen = as_members_see_it(data["text"], data["audience"])
        photo = photo_of(data)
        if photo is None:
            ctx.say(seen)
        else:
            # Its bytes stay out of the outbox: held in memory while it is sent.
            ctx.send_to(ctx.account, Reply(seen, relayed_media=photo, transient_text=True))
        ctx.ask(self.on_confirm, _summary(data, figures), translated(CONFIRM_CHOICES))

    async def on_confirm(self, ctx: Context, answer: Chosen) -> None:
        data = self.data(ctx)
        ctx.finish()
        if answer.choice.value != "send":
            ctx.say(_("Okay, nothing was sent, and nothing of it was kept."))
            return
        audience, channel = data["audience"], data.get("channel")
        time_critical = data["time_critical"]
        # Counted again now: people joined or left while the admin read the preview.
        found = await candidates(ctx.tx, ctx.config, audience, channel)
        figures = reach(ctx.config, found, audience, ctx.now, time_critical=time_critical)
        if figures.reached == 0:
            ctx.say(_("Nobody in that audience can get it now, so nothing was sent."))
            return
        broadcast_id = await ctx.tx.broadcasts.create(
            author_id=ctx.member.id if ctx.member is not None else None,
            author=ctx.account,
            text=data["text"],
            audience=audience,
            channel=channel,
            time_critical=time_critical,
            now=ctx.now,
            photo=photo.data if (photo := photo_of(data)) is not None else None,
            photo_type=photo.mime_type if photo is not None else None,
        )
        await ctx.tx.broadcasts.add_recipients(broadcast_id, figures.recipients)
        audit.admin_action(ctx, "broadcast.send", broadcast_id)
        log.info(
            "broadcast_queued broadcast=%s audience=%s recipients=%d deferred=%d",
            broadcast_id,
            audience,
            figures.reached,
            figures.deferred,
        )
        ctx.send_to(
            ctx.account,
            Reply(
                first_progress(figures.reached),
                (cancel_button(broadcast_id),),
                token=COMMAND_TOKEN,
                notice=notice_keys.broadcast(broadcast_id),
            ),
        )


def photo_of(data: BroadcastData) -> MediaFile | None:
    if "photo" not in data:
        return None
    return MediaFile("photo", data["photo_type"], base64.b64decode(data["photo"]), "photo.jpg")


def _composing(ctx: Context) -> bool:
    state = ctx.state
    return state is not None and state.flow == ComposeBroadcast.name and state.step == TEXT_STEP


async def broadcast_photo(ctx: Context) -> bool:
    """The media hook: a photo sent while an admin writes a broadcast is its message."""
    if ctx.input.media != "photo" or not _composing(ctx) or not ctx.is_admin:
        return False
    flow = ctx.engine.flows[ComposeBroadcast.name]
    assert isinstance(flow, ComposeBroadcast)
    await flow.with_photo(ctx, ctx.input.media_file)
    return True


async def wants_broadcast_photo(engine: Engine, account: Account, kind: str) -> bool:
    """Whether a photo from `account` is a broadcast being written, so its channel should
    fetch its bytes before the engine runs (two reads, no transaction)."""
    if kind != "photo":
        return False
    async with engine.db.single_statement() as tx:
        member = await tx.members.find_by_account(account)
    if member is None:
        return False
    async with engine.db.single_statement() as tx:
        row = await tx.conversations.load(member.id)
    return row is not None and row.flow == ComposeBroadcast.name and row.step == TEXT_STEP


def _summary(data: BroadcastData, figures: Reach) -> str:
    audience = _(AUDIENCE_NAMES[data["audience"]])
    where = data.get("channel")
    reached = figures.reached
    if where:
        goes = ngettext(
            "It goes to {audience} on {channel}: {count} person.",
            "It goes to {audience} on {channel}: {count} people.",
            reached,
        )
    else:
        goes = ngettext(
            "It goes to {audience}: {count} person.",
            "It goes to {audience}: {count} people.",
            reached,
        )
    lines = [
        goes.format(audience=audience, channel=channel_name(where) if where else "", count=reached)
    ]
    if len(figures.by_channel) > 1:
        parts = ", ".join(
            f"{channel_name(name)} {count}" for name, count in sorted(figures.by_channel.items())
        )
        lines.append(_("By channel: {counts}.").format(counts=parts))
    if figures.deferred:
        lines.append(
            ngettext(
                "{count} of them are in their quiet hours now and get it when those end.",
                "{count} of them are in their quiet hours now and get it when those end.",
                figures.deferred,
            ).format(count=figures.deferred)
        )
    elif data["time_critical"]:
        lines.append(_("It is time-critical, so it goes out now, quiet hours or not."))
    left_out = []
    if figures.paused:
        left_out.append(_("paused: {count}").format(count=figures.paused))
    if figures.opted_out:
        left_out.append(_("announcements off: {count}").format(count=figures.opted_out))
    if figures.unreachable:
        left_out.append(_("can't be reached: {count}").format(count=figures.unreachable))
    if left_out:
        lines.append(_("Left out ({reasons}).").format(reasons="; ".join(left_out)))
    if data["audience"] == MEMBERS:
        lines.append(_("All members includes those who turned announcements off."))
    lines.append(_("Send it?"))
    return "\n".join(lines)


async def cancel_broadcast(ctx: Context) -> None:
    """`/broadcast_cancel <id>` (the progress message's Cancel button): stop it now."""
    broadcast_id = parse_id(ctx.input.text.strip())
    if broadcast_id is None:
        ctx.say(_("Which broadcast? Use the Cancel button under its progress message."))
        return
    if not await ctx.tx.broadcasts.cancel(broadcast_id, ctx.now):
        ctx.say(_("That broadcast has already finished, so there is nothing to stop."))
        return
    audit.admin_action(ctx, "broadcast.cancel", broadcast_id)
    log.info("broadcast_cancelled broadcast=%s", broadcast_id)
    ctx.say(_("Stopped: nobody else will get it. The final report follows in a moment."))


async def broadcast(ctx: Context) -> None:
    await ctx.ensure_member()  # an admin named in ADMINS may have no row to keep answers on
    await ctx.start_flow(ComposeBroadcast.name)


BROADCAST_COMMANDS = (
    Command(
        "broadcast",
        N_("send a message to members, volunteers or admins"),
        broadcast,
        audience=Audience.ADMIN,
        audits=("broadcast.send",),
    ),
    # Hidden: the Cancel button under a broadcast's progress message runs it.
    Command(
        "broadcast_cancel",
        N_("stop a broadcast under way"),
        cancel_broadcast,
        audience=Audience.ADMIN,
        hidden=True,
        audits=("broadcast.cancel",),
    ),
)
