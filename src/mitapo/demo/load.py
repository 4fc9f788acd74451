"""A demo town, so that every page and endpoint has something to show right after `make run`.

Loading is idempotent: the secrets of the demo's principals are kept in `<data dir>/demo.json` (demo only;
real secrets are shown once and never stored), and a second load only prints them again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mitapo.accounts import auth
from mitapo.demo import town as demo_town
from mitapo.engine import ledger
from mitapo.runtime import Runtime


async def load(runtime: Runtime, data_dir: Path, site: str = "http://127.0.0.1:8000") -> str:
    """Load the town once; the instructions (secrets, sign-in links to `site`, where `mitapo serve` listens)
    every time."""
    path = data_dir / "demo.json"
    if path.exists():
        return _instructions(json.loads(path.read_text()), site, path)
    town: dict[str, str] = {}
    _, town["admin"] = await auth.create_principal(runtime.db, "admin", "demo admin")
    _, town["auditor"] = await auth.create_principal(runtime.db, "auditor", "demo auditor")
    await ledger.fund_program(runtime.db, "demo", 100_000)
    town |= await demo_town.build(runtime)
    await runtime.checkpoint_now()
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(town, handle, ensure_ascii=False, indent=2)
    return _instructions(town, site, path)


def use_demo_payer() -> str:
    """`mitapo serve --demo` pays from the demo city's account unless MITAPO_PAYOUT_PAYER names one (set in
    the environment, so that every worker's settings read it)."""
    return os.environ.setdefault("MITAPO_PAYOUT_PAYER", demo_town.PAYER)


def _instructions(town: dict[str, str], site: str, path: Path) -> str:
    lines = [f"みたポ demo town loaded (its secrets are kept in {path}, demo only):"]
    lines.append(f"  admin secret:    {town['admin']}")
    lines.append(f"  auditor secret:  {town['auditor']}")
    lines.append(f"  try: curl -H 'Authorization: Bearer {town['admin']}' {site}/v1/audit/trial-balance")
    lines += _pages(town, site)
    return "\n".join(lines)


def _pages(town: dict[str, str], site: str) -> list[str]:
    """Links that sign each face in: the secret rides after '#', which the browser never sends anywhere."""
    if "resident" not in town:
        return []
    return [
        "Pages (open a link once; the browser remembers the secret, docs/web.md):",
        f"  resident app:    {site}/app#secret={town['resident']}",
        f"  shop till:       {site}/till#secret={town['merchant']}",
        f"  organizer:       {site}/organizer#secret={town['organizer']}",
        f"  auditor's desk:  {site}/audit#secret={town['auditor']}",
        *(
            [f"  enrol a phone:   {town['enrollment_url']}  (registers a passkey; works once)"]
            if "enrollment_url" in town
            else []
        ),
        *_card(town, site),
        *_friend(town),
    ]


def _friend(town: dict[str, str]) -> list[str]:
    """A resident number to give points to from the resident app (贈る → 番号で送る)."""
    if "friend_number" not in town:
        return []
    number, name = town["friend_number"], town["friend_name"]
    return [f"  give by number:  {number[:4]}-{number[4:]} ({name}): the app's 贈る → 番号で送る"]


def _card(town: dict[str, str], site: str) -> list[str]:
    """The demo's みたポ card: pay with it at the till ("みたポカードで支払う"), print its face."""
    if "card_number" not in town:
        return []
    number, admin = town["card_number"], town["admin"]
    return [
        f"  みたポ card:     {number} (PIN {town['card_pin']}): the till's 「みたポカードで支払う」",
        f"  its face:        curl -H 'Authorization: Bearer {admin}' {site}/v1/cards/{number}/face",
    ]
