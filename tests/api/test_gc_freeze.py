"""The app keeps what it built at start-up out of the garbage collector's full passes while it serves.

Without it, under the payments benchmark's load a full collection came every 1.6-2 s and walked every object
of the app for 56-62 ms with the event loop stopped: the benchmark's p99. Frozen, a full pass took 2 ms."""

from __future__ import annotations

import gc
from pathlib import Path

from litestar.testing import TestClient

from mitapo.app import create_app
from mitapo.settings import Settings


def test_startup_objects_are_frozen_while_serving_and_given_back_after(
    database_url: str, tmp_path: Path
) -> None:
    assert gc.get_freeze_count() == 0
    settings = Settings(data_dir=tmp_path, seal_interval=3600, checkpoint_interval=3600)
    with TestClient(create_app(settings, url=database_url, migrate=False)) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 10_000  # the app, its routes and libraries
    assert gc.get_freeze_count() == 0
