"""Members: joining, /settings, pause and resume, /export and /delete, and the front door
(/start, /help, /language, /cancel, and what to say to text outside any conversation)."""

from flows.members.commands import HELP_COMMANDS, SETTINGS_COMMANDS, START_COMMANDS, outside_flow
from flows.members.deletion import DeleteData
from flows.members.export import EXPORT_COMMANDS
from flows.members.language import LANGUAGE_COMMANDS
from flows.members.lifecycle import back_in_reach
from flows.members.onboarding import Onboarding
from flows.members.settings import SettingsFlow

__all__ = [
    "EXPORT_COMMANDS",
    "HELP_COMMANDS",
    "LANGUAGE_COMMANDS",
    "SETTINGS_COMMANDS",
    "START_COMMANDS",
    "DeleteData",
    "Onboarding",
    "SettingsFlow",
    "back_in_reach",
    "outside_flow",
]
