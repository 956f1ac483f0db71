"""Flows: conversations made of steps, each step the handler of one question's answer.

A flow asks with the handler that will take the answer: `ctx.ask(self.on_mood, ...)`.
The conversation row stores the handler's name without `on_` ("mood"), and the flow's
step table, made from its `on_*` handlers when the class is defined, turns that name
back into the handler. A handler takes `Chosen` when its question offers only choices
(one was chosen: nothing to check) or `Answer` when free text is welcome too. mypy
checks every `ask` against its handler and the engine's call into it; the table is
checked against the handlers' annotations, so a step can't be misspelled either way.
"""

import inspect
import logging
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypedDict, TypeVar, cast

from flows.core.language import N_, _
from flows.core.values import Choice

if TYPE_CHECKING:
    from flows.core.context import Context

log = logging.getLogger(__name__)

# The start of the hint for words that answer none of a question's options; the rest is
# the channel's own way of choosing (`pick_an_option`).
_PICK = N_("Please choose one of the options: {how_to_choose}.")
# How the hint begins, in English.
PICK_AN_OPTION = "Please choose one of the options"


def pick_an_option(ctx: "Context") -> str:
    """The hint, in the words of the person's channel: buttons, or numbered lines."""
    return _(_PICK).format(how_to_choose=ctx.engine.channels.of(ctx.account).how_to_choose)


STEP_PREFIX = "on_"


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer to a question that takes free text: the words typed (none for a tap),
    and the choice they name, if any."""

    text: str
    choice: Choice | None


@dataclass(frozen=True, slots=True)
class Chosen:
    """An answer to a question that takes only its choices: always one of them."""

    choice: Choice


# A step as `ctx.ask` takes it: a flow's handler, bound (`self.on_mood`) or taken from
# the class where no flow is at hand (`CheckIn.on_mood`, in a command).
ChoiceStep = (
    Callable[["Context", Chosen], Awaitable[None]]
    | Callable[[Any, "Context", Chosen], Awaitable[None]]
)
TextStep = (
    Callable[["Context", Answer], Awaitable[None]]
    | Callable[[Any, "Context", Answer], Awaitable[None]]
)


@dataclass(frozen=True, slots=True)
class _OnChoice:
    run: Callable[[Any, "Context", Chosen], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _OnText:
    run: Callable[[Any, "Context", Answer], Awaitable[None]]


def _step(flow: type, attr: str, handler: Any) -> _OnChoice | _OnText:
    """The table entry for `flow.attr`, by the answer its annotation says it takes."""
    params = list(inspect.signature(handler).parameters)
    takes = typing.get_type_hints(handler).get(params[-1]) if len(params) == 3 else None
    if takes is Chosen:
        return _OnChoice(handler)
    if takes is Answer:
        return _OnText(handler)
    raise TypeError(f"{flow.__name__}.{attr} must take (ctx, answer: Chosen | Answer)")


class NoData(TypedDict):
    """What a flow that keeps nothing between its questions keeps."""


D = TypeVar("D", bound=Mapping[str, object])


class Flow(Generic[D]):
    """A conversation: `begin` asks the first question, `on_<step>` handlers take answers.

    `D` (a TypedDict) is what the flow keeps between its questions: `data` reads and
    changes it.
    """

    name: ClassVar[str]
    # e.g. N_("check-in"), as in "your unfinished check-in" (translated where it is used)
    title: ClassVar[str]
    timeout: ClassVar[timedelta]
    _steps: ClassVar[dict[str, _OnChoice | _OnText]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._steps = {
            attr.removeprefix(STEP_PREFIX): _step(cls, attr, handler)
            for attr, handler in inspect.getmembers(cls, inspect.iscoroutinefunction)
            if attr.startswith(STEP_PREFIX)
        }

    @classmethod
    def data(cls, ctx: "Context") -> D:
        """What this flow keeps in the open conversation, to read and change in place."""
        state = ctx.state
        assert state is not None and state.flow == cls.name, f"no {cls.name} conversation"
        return cast("D", state.data)

    async def begin(self, ctx: "Context") -> None:
        raise NotImplementedError

    async def cancelled(self, ctx: "Context") -> str:
        """What /cancel says when it stops this conversation: truthfully, what is kept. A
        flow that saves answers as it goes (settings, shifts, the after-chat rating) says which."""
        return _("Okay, I've stopped your {title}. Nothing from it was saved.").format(
            title=_(self.title)
        )

    async def keep_on_set_aside(self, ctx: "Context") -> None:
        """Safety sets this conversation aside: keep what must not be lost (a mood given)."""

    def settled_steps(self) -> Iterable[ChoiceStep | TextStep]:
        """Steps after the flow's work is done (an offer), so leaving is not "unfinished"."""
        return ()

    def step_name(self, step: ChoiceStep | TextStep) -> str:
        """How a conversation stores `step`, one of this flow's handlers: `on_mood` → "mood"."""
        function = getattr(step, "__func__", step)
        name: str = function.__name__.removeprefix(STEP_PREFIX)
        known = self._steps.get(name)
        if known is None or known.run is not function:
            raise ValueError(f"{function.__qualname__} is not a step of the {self.name} flow")
        return name

    async def answer(self, ctx: "Context", step: str, text: str, choice: Choice | None) -> None:
        """Hand the answer to the question waiting at `step` to that step's handler."""
        handler = self._steps.get(step)
        if handler is None:
            # The step no longer exists (changed between versions): end kindly.
            log.warning("flow_step_missing flow=%s step=%s", self.name, step)
            ctx.finish()
            ctx.say(_("Sorry, I lost track of that question. Let's start again: /help"))
        elif isinstance(handler, _OnText):
            await handler.run(self, ctx, Answer(text, choice))
        elif choice is None:
            ctx.reask(pick_an_option(ctx))  # words for a question that takes only its choices
        else:
            await handler.run(self, ctx, Chosen(choice))
