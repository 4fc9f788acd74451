"""The one place that assembles the HTTP app: routes, dependencies, error handlers, OpenAPI, lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager

from litestar import Litestar
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import HTTPRoute
from litestar.types import ControllerRouterHandler

from mitapo import logs
from mitapo.accounts import routes as residents
from mitapo.accounts.auth import Authenticator
from mitapo.audit import routes as audit
from mitapo.cards import routes as cards
from mitapo.http import metrics, openapi, system
from mitapo.http.auth import before_handler
from mitapo.http.deps import DEPENDENCIES
from mitapo.http.errors import EXCEPTION_HANDLERS
from mitapo.http.middleware import request_id_middleware
from mitapo.money import routes as money
from mitapo.payments import routes as merchants
from mitapo.points import routes as participation
from mitapo.runtime import Runtime, database_url
from mitapo.settings import Settings
from mitapo.transit import routes as transit_routes
from mitapo.web import pages as web_pages
from mitapo.web import views as web_views

ROUTES: list[ControllerRouterHandler] = [
    system.healthz,
    system.readyz,
    metrics.metrics,
    audit.AuditController,
    audit.reverse_entry,
    *residents.ROUTES,
    *participation.ROUTES,
    *money.ROUTES,
    *merchants.ROUTES,
    *transit_routes.ROUTES,
    *web_views.ROUTES,
    *web_pages.ROUTES,
    *cards.ROUTES,
]
MAX_BODY_BYTES = 64 * 1024
# A worker started while PostgreSQL restarts (one that replaces a crashed worker, say) waits this long for it.
# Failing instead would be fatal to the whole service: uvicorn's master stops every worker when one fails to
# start, taking a worker's fault and a database restart at the same moment for a broken app.
DATABASE_WAIT_SECONDS = 120.0


@contextmanager
def _startup_objects_frozen() -> Iterator[None]:
    """Keep what the app built at start-up out of the garbage collector's full passes while it serves.

    Under load a full collection came every 1.6-2 s and walked every object of the app, its routes, models
    and libraries, for 56-62 ms with the event loop stopped, finding nothing to free: every request in flight
    waited, and that was the payments benchmark's p99 (docs/benchmarks.md). Frozen, those objects are never
    walked; they are given back to the collector when the app stops."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(
    settings: Settings | None = None,
    *,
    url: str | None = None,
    runtime: Runtime | None = None,
    extra_routes: Sequence[ControllerRouterHandler] = (),
    migrate: bool = True,
) -> Litestar:
    """The app. With `runtime`, it uses that one (tests, benchmarks); otherwise it starts its own."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        own = runtime is None
        current = runtime or Runtime(settings, url or database_url(settings), observer=metrics.observe_batch)
        if own:
            await current.start(migrate_first=migrate, wait_for_database=DATABASE_WAIT_SECONDS)
        app.state.runtime = current
        app.state.authenticator = Authenticator(current.db)
        with _startup_objects_frozen():
            try:
                yield
            finally:
                if own:
                    await current.stop()

    app = Litestar(
        route_handlers=[*ROUTES, *extra_routes],
        dependencies=DEPENDENCIES,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        middleware=[request_id_middleware],
        lifespan=[lifespan],
        before_request=before_handler,  # who may call, then the body (`http.auth`)
        request_max_body_size=MAX_BODY_BYTES,
        openapi_config=OpenAPIConfig(
            title="みたポ",
            version="1.0.0",
            description="Mitaka community point service: an append-only, hash-chained double-entry journal.",
            path="/schema",
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
            render_plugins=openapi.RENDER_PLUGINS,
        ),
        on_startup=[lambda: logs.configure(settings.log_json)],
        template_config=web_pages.TEMPLATES,
        debug=False,
    )
    if any(not isinstance(route, HTTPRoute) for route in app.routes):
        raise TypeError("HTTP routes only: the role check is a hook before HTTP handlers (http.auth)")
    return openapi.document(app)
