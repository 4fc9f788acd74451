"""``python -m mitapo_ledger verify FILE --public-key KEY``."""

from mitapo_ledger.cli import main

raise SystemExit(main())
