"""The page checks of `checks.py` can fail: on a deliberately broken page at 390 px they find an unlabelled
field, grey text too faint to read, a focus that does not show, text overflowing the window and a button
whose word is laid out one character per line. The same page, mended, passes."""

from __future__ import annotations

from typing import Any

from tests.e2e.checks import accessibility_problems, layout_problems
from tests.e2e.conftest import PHONE

BROKEN = """<!doctype html><html lang="ja"><head><style>
body { margin: 0; font: 16px sans-serif; }
.faint { color: #b0b0b0; }
button { outline: none; border: 1px solid #333; background: #fff; color: #000; }
.row { display: flex; }
.row input { flex: 1 0 360px; }
.row button { flex: 0 0 auto; width: 4px; min-width: 0; padding: 0; }
.wide { width: 600px; }
</style></head><body>
<input id="nameless">
<p class="faint">うすい文字</p>
<div class="row"><label for="n">番号</label><input id="n"><button type="button">チャージする</button></div>
<p class="wide">とても長い一行の文章がここにあり、電話の幅ではおさまらずに画面の外へはみ出してしまいます。</p>
</body></html>"""

MENDED = """<!doctype html><html lang="ja"><head><style>
body { margin: 0; font: 16px sans-serif; }
:focus-visible { outline: 3px solid #f2a900; }
.faint { color: #4a4a4a; }
button { border: 1px solid #333; background: #fff; color: #000; }
</style></head><body>
<label for="named">名前</label><input id="named">
<p class="faint">うすい文字</p>
<div><label for="n">番号</label><input id="n"><button type="button">チャージする</button></div>
<p>とても長い一行の文章がここにあり、電話の幅でも折り返して画面におさまります。</p>
</body></html>"""


def _page(browser: Any, html: str) -> Any:
    page = browser.new_context(viewport=PHONE).new_page()
    page.set_content(html)
    return page


def test_the_checks_fail_on_a_broken_page(browser: Any) -> None:
    page = _page(browser, BROKEN)
    found = accessibility_problems(page)
    assert "unlabelled nameless" in found
    assert any(problem.startswith("contrast") and "うすい文字" in problem for problem in found)
    assert any(problem.startswith("focus not visible") for problem in found)
    layout = layout_problems(page)
    assert any(problem.startswith("page scrolls sideways") for problem in layout)
    assert any(problem.startswith("overflows") for problem in layout)
    assert 'one character per line: "チャージする"' in layout
    page.context.close()


def test_the_checks_pass_the_mended_page(browser: Any) -> None:
    page = _page(browser, MENDED)
    assert accessibility_problems(page) == []
    assert layout_problems(page) == []
    page.context.close()
