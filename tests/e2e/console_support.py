"""What every staff console test does before it works a page: a browser context at a phone's or a desktop's
size, signed in as the admin (or with a clerk's secret) through the page's sign-in link, the page's content
drawn and its lists loaded, its script errors watched; and the accessibility (and, at a phone's size, the
layout) check of a page. The screenshots' folder is conftest's `folder` fixture."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import DESKTOP, PHONE, Town, watch_errors

SIZES = {"phone": PHONE, "desktop": DESKTOP}


@dataclass
class Console:
    """A signed-in console page: its browser context, the page, and the page's uncaught script errors."""

    context: Any
    page: Any
    errors: list[str]

    def close(self) -> None:
        """The page ran without a script error; the context closes."""
        assert self.errors == []
        self.context.close()


def open_console(
    browser: Any,
    town: Town,
    path: str,
    size: str = "phone",
    *,
    secret: str | None = None,
    init_script: str | None = None,
    **context_options: Any,
) -> Console:
    """A new browser context at `size` ("phone" or "desktop"; `context_options` as Playwright takes them),
    its page at `path` signed in with `secret` (the admin's when none), ready to work."""
    context = browser.new_context(viewport=SIZES[size], **context_options)
    page = context.new_page()
    if init_script is not None:
        page.add_init_script(init_script)
    errors = watch_errors(page)
    goto(town, page, path, secret=secret)
    return Console(context, page, errors)


def goto(town: Town, page: Any, path: str, *, secret: str | None = None) -> None:
    """Open another console page in the same browser, signed in (the admin when no `secret`), its content
    drawn and its lists loaded (the page's requests done)."""
    page.goto(town.page_url(path, None if secret else "admin", secret))
    page.locator("#content").wait_for()
    page.wait_for_load_state("networkidle")


def checked(page: Any, name: str) -> None:
    """The page's accessibility check, and at a phone's width its layout check; `name` says where."""
    assert accessibility_problems(page) == [], name
    if page.viewport_size["width"] <= PHONE["width"]:
        assert layout_problems(page) == [], name
