"""みたポ cards, for residents without a smartphone: `cards`, one row per card ever issued.

A card is a number with a Luhn check digit (printed, and in the card's QR code) and a PIN chosen at the
counter, kept only as an Argon2id hash of the PIN keyed with the service's PIN key (never in the database).
`generation` numbers a resident's cards 1, 2, 3…: a card is alive while no later generation exists. The
writer holds the authority on that (the counter `card:generation:<resident>`, raised by every issue and
checked by every charge, fare and check-in in the same transaction), so a replaced card is dead from the
commit of its replacement, whatever races it; the rows below say the same for reads.

`failed_pins` counts wrong PINs per card (never per address): five lock the card (`locked_at`) until staff
unlock it. These two columns are the only ones that change, and they are not money: the journal is untouched.

A payment by card is recorded with `source = 'card'` (the CHECK on `payments.source` admits it).

Revision ID: 0018
Revises: 0024
Create Date: 2026-12-04
"""

from sqlscripts import run_script

revision = "0018"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_script(__file__)


def downgrade() -> None:
    run_script(__file__, "downgrade")
