"""The API reference at /schema works with no internet: Chromium, with every request to another host aborted,
draws every operation of /schema/openapi.json, and the page asks no other host for anything."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from tests.e2e.conftest import Town, sync_api, watch_errors

# Redoc gives each operation's section and its menu item a data-section-id ending "operation/<operationId>".
ALL_DRAWN = """(wanted) => {
    const drawn = new Set([...document.querySelectorAll("[data-section-id*='operation/']")]
        .map((element) => element.dataset.sectionId.split("operation/").pop()));
    return wanted.every((id) => drawn.has(id));
}"""
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def test_schema_is_drawn_offline(town: Town, browser: Any) -> None:
    document = httpx.get(town.url + "/schema/openapi.json", timeout=30).json()
    operations = [
        op["operationId"] for item in document["paths"].values() for m, op in item.items() if m in METHODS
    ]
    own = urlsplit(town.url).netloc
    outside: list[str] = []

    def only_this_host(route: Any) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own:
            outside.append(url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    context = browser.new_context()
    try:
        context.route("**/*", only_this_host)
        page = context.new_page()
        errors = watch_errors(page)
        page.goto(town.url + "/schema")
        page.wait_for_function(ALL_DRAWN, arg=operations, timeout=60_000)
        sync_api.expect(page.get_by_text("/v1/residents", exact=False).first).to_be_attached()
    finally:
        context.close()
    assert outside == [], outside
    assert errors == [], errors
