"""Running the community: /stats in privacy-banded aggregates, members' words after peer
chats without names (/feedback), who is staff (/invites, /admins, /demote), the audit
trail (/audit), lifting a channel's pause on sending (/signal_captcha), and the weekly
digest (/digest)."""

from flows.admin.access import ACCESS_COMMANDS
from flows.admin.audit_trail import AUDIT_COMMANDS
from flows.admin.channel_pauses import CAPTCHA_COMMANDS, tell_admins
from flows.admin.digest import DIGEST_COMMANDS, send_digests
from flows.admin.feedback import FEEDBACK_COMMANDS
from flows.admin.stats import STATS_COMMANDS, count, share

__all__ = [
    "ACCESS_COMMANDS",
    "AUDIT_COMMANDS",
    "CAPTCHA_COMMANDS",
    "DIGEST_COMMANDS",
    "FEEDBACK_COMMANDS",
    "STATS_COMMANDS",
    "count",
    "send_digests",
    "share",
    "tell_admins",
]
