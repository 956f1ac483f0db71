"""Running the community at the terminal: making and taking back an admin, and the audit
trail that records it, shown, filtered and saved as CSV (`python -m bot` in the console)."""

import csv
import re
from pathlib import Path

from tests.community.test_console_community import ADMIN, MEMBER, LiveConsole, command_for

OTHER_ADMIN = "5151"


def entries(shown: str) -> list[str]:
    """The audit lines printed, without their times: `who · action → #row`."""
    return [line.split(" · ", 1)[1] for line in shown.splitlines() if line.startswith("• ")]


def test_grant_revoke_and_the_audit_trail_at_the_terminal(tmp_path: Path) -> None:
    with LiveConsole(tmp_path, admins=f"console:{ADMIN}") as console:
        console.act_as(ADMIN)
        invite = console.say("/invite admin")
        code = re.search(r"/volunteer (\S+)", invite)
        assert code is not None, invite
        console.act_as(OTHER_ADMIN)
        assert "You're now an admin" in console.say(f"/start {code.group(1)}")

        console.act_as(MEMBER)
        assert "Is it okay" in console.say("/start")
        console.act_as(ADMIN)
        listing = console.say("/admins")
        granted = re.search(r"admin #(\d+)", listing)
        assert granted is not None, listing
        other = granted.group(1)

        # The other admin's rights back, asked first; then the trail says who did what.
        asked = console.say(f"/admins revoke {other}")
        assert f"Demote admin #{other}?" in asked
        assert "is no longer an admin" in console.say(
            command_for(asked, f"Yes, demote admin #{other}")
        )
        assert entries(console.say("/audit")) == [
            f"settings · admin.revoke → #{other}",
            f"#{other} · invite.redeem_admin → #1",
            "settings · invite.create_admin → #1",
        ]
        assert entries(console.say(f"/audit actor {other}")) == [
            f"#{other} · invite.redeem_admin → #1"
        ]
        assert entries(console.say("/audit action revoke")) == [
            f"settings · admin.revoke → #{other}"
        ]
        saved = console.say("/audit csv")
        assert "The audit trail as a CSV file: 3 entries" in saved
        files = list((tmp_path / "exports").glob(f"user-{ADMIN}-hearthside-audit-*.csv"))
        assert len(files) == 1
        with files[0].open(encoding="utf-8") as file:
            rows = list(csv.reader(file))
        assert [row[2:] for row in rows] == [
            ["actor", "action", "target"],
            ["settings", "invite.create_admin", "1"],
            [other, "invite.redeem_admin", "1"],
            ["settings", "admin.revoke", other],
        ]

        # Made an admin again, by their number, with a confirmation.
        asked = console.say(f"/admins grant {other}")
        assert f"Make member #{other} an admin?" in asked
        made = console.say(command_for(asked, f"Yes, make member #{other} admin"))
        assert f"member #{other} is now an admin" in made
        assert "An admin has made you an admin" in made  # told, in their own chat
        console.act_as(MEMBER)
        assert "That command is for admins" in console.say("/audit")
        console.quit()
