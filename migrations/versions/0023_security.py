"""What issue 18 closed, in the schema: organizers act only in the programs an admin granted them
(`program_organizers`), and a program may set a ceiling of points per event (`max_points_per_event`).

Grants start empty: an organizer that ran events before this revision keeps its events, but makes new ones
only once the city grants it the program (`POST /v1/programs/{id}/organizers`), so that an event made in a
program it was never given is not made legitimate by the upgrade.

A donor is named on the recipient's public page only when it chose to be (`donations.public_name`, default
false); donations made before were named by default, not by choice, and become anonymous.

A bus's reader is registered with its own Ed25519 public key (`transit_readers`): a tap uploaded late counts
at its `tapped_at` only when the reader that read it signed it.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
