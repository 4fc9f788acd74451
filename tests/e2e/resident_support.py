"""What the resident app's flows share: a resident with money, a shop, a phone or desktop page, and pictures
kept in MITAPO_SCREENSHOTS (docs/screenshots) when it is set."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from tests.e2e.conftest import DESKTOP, PHONE, Town

SIZES = {"phone": PHONE, "desktop": DESKTOP}


def funded_resident(town: Town, money: int = 2000, name: str = "試験 住民") -> dict[str, str]:
    resident = town.resident(name)
    ref = uuid.uuid4().hex
    topup = {"resident_id": resident["id"], "amount": money, "channel": "card", "external_ref": ref}
    town.api("POST", "/v1/topups", town.secrets["admin"], topup, key=uuid.uuid4().hex)
    return resident


def new_page(browser: Any, size: str) -> Any:
    """A page whose requests Playwright sees (a service worker would hide them from page.route)."""
    return browser.new_context(viewport=SIZES[size], service_workers="block").new_page()


def picture(page: Any, name: str, tmp_path: Path, *, full_page: bool = True) -> Path:
    folder = Path(os.environ.get("MITAPO_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
