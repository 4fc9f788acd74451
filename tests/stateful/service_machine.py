"""The base of the state machines that drive the service against a model (money, points, payments, transit).

Each runs on a database copy of its own, with a Runtime whose background jobs are off (the rules seal and
expire when they mean to), and drives the async services through one `asyncio.Runner`, since Hypothesis's
rules are synchronous."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis.stateful import RuleBasedStateMachine
from tests.conftest import copy_database, drop_database

from mitapo.engine.database import Database
from mitapo.engine.errors import DomainError
from mitapo.runtime import Runtime
from mitapo.settings import Settings


class ServiceMachine(RuleBasedStateMachine):
    def __init__(self, server: str, template: str) -> None:
        super().__init__()
        self.server = server
        self.runner = asyncio.Runner()
        self.url = self.runner.run(copy_database(server, template))
        self._keys_dir = tempfile.TemporaryDirectory()
        self.runtime = Runtime(Settings(data_dir=Path(self._keys_dir.name)), self.url)
        self.runner.run(self.runtime.start(migrate_first=False, background=False))

    @property
    def db(self) -> Database:
        return self.runtime.db

    def _call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        return self.runner.run(fn(*args, **kw))

    def _attempt(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> tuple[str | None, Any]:
        """(None, the answer), or (the refusal's code, None)."""
        try:
            return None, self._call(fn, *args, **kw)
        except DomainError as refused:
            return refused.code, None

    def teardown(self) -> None:
        self.runner.run(self.runtime.stop())
        self.runner.run(drop_database(self.server, self.url))
        self.runner.close()
        self._keys_dir.cleanup()
