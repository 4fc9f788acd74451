"""End-to-end: the real service (`mitapo demo`, then the ASGI app under uvicorn, as `make run` does) on a
fresh copy of the test database, driven through Debian's Chromium by Playwright. Playwright never downloads a
browser here: it launches /usr/bin/chromium. Without it these tests skip, saying so; `.ci/run` installs it."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import segno
from PIL import Image

from mitapo.demo import town as demo_town
from tests.conftest import copy_database, drop_database

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
BIN = Path(sys.executable).parent

sync_api = pytest.importorskip("playwright.sync_api", reason="the dev extra's playwright is not installed")
NO_CHROMIUM = "Debian's chromium is not installed (apt-get install chromium; .ci/run does when it can)"


@dataclass
class Town:
    """The demo town, served: its address and the secrets `mitapo demo` printed."""

    url: str
    secrets: dict[str, str]

    def api(self, method: str, path: str, secret: str, body: Any = None, key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {secret}"}
        if key:
            headers["Idempotency-Key"] = key
        response = httpx.request(method, self.url + path, json=body, headers=headers, timeout=30)
        assert response.status_code < 300, response.text
        return response.json()

    def resident(self, name: str = "試験 住民") -> dict[str, str]:
        return dict(self.api("POST", "/v1/residents", self.secrets["admin"], {"name": name}))

    def page_url(self, path: str, face: str | None = None, secret: str | None = None) -> str:
        """A sign-in link: the secret after '#' is taken by the page and kept in the browser."""
        secret = secret or (self.secrets[face] if face else None)
        return self.url + path + (f"#secret={secret}" if secret else "")


def _listening_socket() -> socket.socket:
    """Bound and listening before the server starts: a request made early waits in the backlog until the app
    is up, so nothing needs to poll for readiness."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


# Package scope, not session: Playwright sync API keeps an event loop running in the main thread while it is
# open, and every later test calling asyncio.run would fail; closing it when the e2e tests end prevents that.
@pytest.fixture(scope="package")
def town(pg_server: str, template_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    url = asyncio.run(copy_database(pg_server, template_database))
    data_dir = tmp_path_factory.mktemp("town")
    env = os.environ | {"MITAPO_DATABASE_URL": url, "MITAPO_DATA_DIR": str(data_dir), "MITAPO_LOG_JSON": "1"}
    subprocess.run([str(BIN / "mitapo"), "demo"], env=env, check=True, capture_output=True)
    secrets = json.loads((data_dir / "demo.json").read_text())
    sock = _listening_socket()
    # residents' phones reach it by name: an IP address can be no passkey's RP id (test_passkeys_flow)
    env["MITAPO_PUBLIC_URL"] = f"http://localhost:{sock.getsockname()[1]}"
    env["MITAPO_PAYOUT_PAYER"] = demo_town.PAYER  # the city's account: the console saves a Zengin file
    log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "mitapo.asgi:app", "--fd", str(sock.fileno())],
        env=env,
        pass_fds=[sock.fileno()],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    address = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        assert httpx.get(address + "/readyz", timeout=60).status_code == 200
        yield Town(address, secrets)
    finally:
        server.terminate()
        server.wait(timeout=30)
        sock.close()
        log.close()
        asyncio.run(drop_database(pg_server, url))


@pytest.fixture(scope="package")
def playwright(town: Town) -> Iterator[Any]:
    with sync_api.sync_playwright() as running:
        yield running


@pytest.fixture(scope="package")
def browser(playwright: Any) -> Iterator[Any]:
    launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield launched
    launched.close()


def qr_png(payload: str) -> bytes:
    """The QR code of `payload` as a PNG, drawn with segno, for a fake camera to film."""
    out = io.BytesIO()
    segno.make(payload, error="m", encoding="utf-8", eci=True).save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def camera_browser(playwright: Any, picture: bytes, folder: Path) -> Any:
    """A second Chromium whose camera films `picture`: Chromium's fake capture device plays a Motion JPEG
    file, here one frame of the picture centred on a white 640×480 field, looped."""
    frame = Image.new("RGB", (640, 480), "white")
    image = Image.open(io.BytesIO(picture)).convert("RGB")
    image.thumbnail((440, 440))
    frame.paste(image, ((640 - image.width) // 2, (480 - image.height) // 2))
    film = folder / "camera.mjpeg"
    frame.save(film, format="JPEG", quality=95)
    fake_camera = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={film}",
    ]
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS + fake_camera)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where a test's screenshots go: `MITAPO_SCREENSHOTS` (docs/screenshots when they are to be kept), or a
    temporary folder. A module may define its own."""
    chosen = os.environ.get("MITAPO_SCREENSHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def watch_errors(page: Any) -> list[str]:
    """Every uncaught script error of the page, to assert there were none."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def shown(page: Any, selector: str) -> None:
    """Wait until the picture of a code (fetched with the secret, shown from a blob: URL) is drawn."""
    sync_api.expect(page.locator(selector)).to_have_attribute("src", re.compile(r"^blob:"))
    page.locator(selector).evaluate("(img) => img.decode()")
