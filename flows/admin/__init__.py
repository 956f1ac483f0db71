"""Running the community: /stats in privacy-banded aggregates, members' words after peer
chats without names (/feedback), and who is staff (/invites, /admins, /demote)."""

from flows.admin.access import ACCESS_COMMANDS
from flows.admin.feedback import FEEDBACK_COMMANDS
from flows.admin.stats import STATS_COMMANDS, count, share

__all__ = [
    "ACCESS_COMMANDS",
    "FEEDBACK_COMMANDS",
    "STATS_COMMANDS",
    "count",
    "share",
]
