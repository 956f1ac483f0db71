"""Each method's parameters, as signal-cli reads them, checked more strictly than it does.

signal-cli turns a request's `params` object into an argparse namespace
(`commands/JsonRpcNamespace.java`): a parameter is the command's long option in camelCase
(`--target-timestamp` → `targetTimestamp`), and a list option (`nargs("*")`/`"+"`) is read
under its singular name, as one value or an array, or else under its plural name
(`dest + "s"`: `recipients`, `groupIds`, `textStyles`), where only an array works (a single
value there is a ClassCastException, -32603). Keys it does not know are ignored.

The fake rejects with -32602 what signal-cli would ignore or trip over later: an unknown key,
a value of the wrong type, a list under both names, a required option left out, a value not
among an option's choices. So a typo in the adapter fails a test instead of being dropped.
The names below are the `addArgument` calls of `commands/*Command.java` (signal-cli 0.14.6).
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any


class Kind(Enum):
    STR = "a string"
    BOOL = "a boolean"
    INT = "an integer"
    STR_LIST = "a string or an array of strings"
    INT_LIST = "an integer or an array of integers"


@dataclass(frozen=True)
class Param:
    kind: Kind
    required: bool = False
    choices: tuple[str, ...] = ()

    @property
    def is_list(self) -> bool:
        return self.kind in (Kind.STR_LIST, Kind.INT_LIST)


S, B, N, SL, IL = Kind.STR, Kind.BOOL, Kind.INT, Kind.STR_LIST, Kind.INT_LIST

# What a recipient is given by, shared by the sending commands.
_TARGETS = {"recipient": Param(SL), "groupId": Param(SL), "username": Param(SL)}
_GROUP_PERMISSION = ("every-member", "only-admins")

SPECS: dict[str, dict[str, Param]] = {
    "send": {
        **_TARGETS,
        "noteToSelf": Param(B),
        "notifySelf": Param(B),
        "message": Param(S),
        "messageFromStdin": Param(B),
        "attachment": Param(SL),
        "viewOnce": Param(B),
        "endSession": Param(B),
        "mention": Param(SL),
        "textStyle": Param(SL),
        "quoteTimestamp": Param(N),
        "quoteAuthor": Param(S),
        "quoteMessage": Param(S),
        "quoteMention": Param(SL),
        "quoteAttachment": Param(SL),
        "quoteTextStyle": Param(SL),
        "sticker": Param(S),
        "previewUrl": Param(S),
        "previewTitle": Param(S),
        "previewDescription": Param(S),
        "previewImage": Param(S),
        "storyTimestamp": Param(N),
        "storyAuthor": Param(S),
        "editTimestamp": Param(N),
        "noUrgent": Param(B),
        "voiceNote": Param(B),
    },
    "sendReaction": {
        **_TARGETS,
        "noteToSelf": Param(B),
        "notifySelf": Param(B),
        "emoji": Param(S, required=True),
        "targetAuthor": Param(S, required=True),
        "targetTimestamp": Param(N, required=True),
        "remove": Param(B),
        "story": Param(B),
    },
    "sendTyping": {"recipient": Param(SL), "groupId": Param(SL), "stop": Param(B)},
    "sendReceipt": {
        # A single sender here: `ns.getString("recipient")`.
        "recipient": Param(S, required=True),
        "targetTimestamp": Param(IL, required=True),
        "type": Param(S, choices=("read", "viewed")),
    },
    "remoteDelete": {
        **_TARGETS,
        "targetTimestamp": Param(N, required=True),
        "noteToSelf": Param(B),
    },
    "listGroups": {"detailed": Param(B), "groupId": Param(SL)},
    "updateGroup": {
        "groupId": Param(S),
        "name": Param(S),
        "description": Param(S),
        "avatar": Param(S),
        "member": Param(SL),
        "removeMember": Param(SL),
        "admin": Param(SL),
        "removeAdmin": Param(SL),
        "ban": Param(SL),
        "unban": Param(SL),
        "resetLink": Param(B),
        "link": Param(S, choices=("enabled", "enabled-with-approval", "disabled")),
        "setPermissionAddMember": Param(S, choices=_GROUP_PERMISSION),
        "setPermissionEditDetails": Param(S, choices=_GROUP_PERMISSION),
        "setPermissionSendMessages": Param(S, choices=_GROUP_PERMISSION),
        "expiration": Param(N),
        "memberLabelEmoji": Param(S),
        "memberLabel": Param(S),
    },
    "quitGroup": {"groupId": Param(S, required=True), "delete": Param(B), "admin": Param(SL)},
    "updateProfile": {
        "givenName": Param(S),
        "familyName": Param(S),
        "about": Param(S),
        "aboutEmoji": Param(S),
        "mobileCoinAddress": Param(S),
        "avatar": Param(S),
        "removeAvatar": Param(B),
    },
    "updateContact": {
        "recipient": Param(S, required=True),
        "name": Param(S),
        "givenName": Param(S),
        "familyName": Param(S),
        "nickGivenName": Param(S),
        "nickFamilyName": Param(S),
        "note": Param(S),
        "expiration": Param(N),
    },
    "version": {},
    "listAccounts": {},
    "subscribeReceive": {},
    "unsubscribeReceive": {"subscription": Param(N)},
    "submitRateLimitChallenge": {
        "challenge": Param(S, required=True),
        "captcha": Param(S, required=True),
    },
    "getUserStatus": {"recipient": Param(SL), "username": Param(SL)},
    "getAttachment": {"id": Param(S, required=True), "recipient": Param(S), "groupId": Param(S)},
    "trust": {
        "recipient": Param(S, required=True),
        "trustAllKnownKeys": Param(B),
        "verifiedSafetyNumber": Param(S),
    },
}


def plural(name: str) -> str:
    """The plural key signal-cli also reads a list under: `dest + "s"`, in camelCase."""
    return name + "s"


class ParamError(Exception):
    """A parameter signal-cli does not know, or one of the wrong shape (-32602)."""


def check(method: str, params: dict[str, Any]) -> dict[str, Any]:
    """`params` normalised: every list under its singular name as a list, nulls dropped.

    Raises ParamError saying what is wrong, naming the method and the key.
    """
    spec = SPECS[method]
    by_plural = {plural(name): name for name, p in spec.items() if p.is_list}
    out: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue  # Jackson keeps an explicit null; signal-cli reads it as absent.
        if key in spec:
            name, as_plural = key, False
        elif key in by_plural:
            name, as_plural = by_plural[key], True
        else:
            raise ParamError(
                f"{method} has no parameter {key!r} (signal-cli would ignore it; known: "
                f"{', '.join(sorted(spec)) or 'none'})"
            )
        if name in out:
            raise ParamError(f"{method}: {name!r} given both as {name!r} and {plural(name)!r}")
        out[name] = _value(method, key, spec[name], value, as_plural)
    for name, param in spec.items():
        if param.required and name not in out:
            raise ParamError(f"{method} requires {name!r}")
    return out


def _value(method: str, key: str, param: Param, value: Any, as_plural: bool) -> Any:
    wrong = ParamError(f"{method}: {key!r} must be {param.kind.value}, not {value!r}")
    if param.is_list:
        if not isinstance(value, list):
            if as_plural:
                # signal-cli casts the plural's value to a List: a ClassCastException there.
                raise ParamError(f"{method}: {key!r} must be an array")
            value = [value]
        scalar = S if param.kind is Kind.STR_LIST else N
        for item in value:
            if not _is(scalar, item):
                raise wrong
        return list(value)
    if not _is(param.kind, value):
        raise wrong
    if param.choices and value not in param.choices:
        raise ParamError(f"{method}: {key!r} must be one of {', '.join(param.choices)}")
    return value


def _is(kind: Kind, value: Any) -> bool:
    if kind is Kind.STR:
        return isinstance(value, str)
    if kind is Kind.BOOL:
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool)
