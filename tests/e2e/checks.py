"""Checks computed in the page itself, for any face: every field labelled, every focus visible, every text's
contrast at least 4.5:1 against the colour behind it, and no text that overflows the window or is broken
one character per line (a button too narrow for its word, at a phone's 390 px). Each returns the problems it
found as short strings, so that a failing test names the element."""

from __future__ import annotations

from typing import Any

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter((field) => field.type !== 'hidden' && field.offsetParent !== null)
    .filter((field) => field.labels.length === 0 && !field.getAttribute('aria-label')
        && !field.getAttribute('aria-labelledby'))
    .map((field) => `unlabelled ${field.id || field.name || field.outerHTML.slice(0, 60)}`)"""

# WCAG 2 relative luminance and contrast; the background is the first opaque one up the tree, composited
# over white where translucent.
CONTRAST = """() => {
  const parse = (text) => {
    const m = text.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1 });
  const background = (node) => {
    const layers = [];
    for (let n = node; n && n.nodeType === 1; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    return layers.reverse().reduce((acc, c) => over(c, acc), { r: 255, g: 255, b: 255, a: 1 });
  };
  const lum = ({ r, g, b }) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const problems = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const el = t.parentElement;
    if (!t.textContent.trim() || seen.has(el) || !el.getClientRects().length) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[disabled], [aria-hidden="true"]')) continue;
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (hi + 0.05) / (lo + 0.05);
    if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} "${t.textContent.trim().slice(0, 30)}"`);
  }
  return problems;
}"""

FOCUSABLE = (
    "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), "
    "textarea:not([disabled]), [tabindex]:not([tabindex='-1'])"
)

# After a Tab, the focused element must show an outline (or a box shadow) of at least 2 px.
FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const name = el.id || `${el.tagName} ${el.textContent.trim().slice(0, 30)}`;
  return outline || s.boxShadow !== 'none' ? '' : `focus not visible on ${name}`;
}"""

# Text wider than the window, a page that scrolls sideways, or a text of 3+ characters laid out one per line.
LAYOUT = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t = walker.nextNode(); t; t = walker.nextNode()) {
    const text = t.textContent.trim();
    const el = t.parentElement;
    if (!text || !el.getClientRects().length || el.closest('[hidden], dialog:not([open])')) continue;
    const box = el.getBoundingClientRect();
    // a wide table may scroll inside its own box; text moved wholly off-screen (a skip link) is not shown
    const scrolls = el.closest('.scroll, pre');
    const shown = box.right > 0 && box.left < width;
    if (!scrolls && shown && (box.right > width + 1 || box.left < -1)) {
      problems.push(`overflows: "${text.slice(0, 30)}"`);
    }
    const chars = [...text].filter((c) => c.trim());
    if (chars.length < 3) continue;
    const range = document.createRange();
    const tops = new Set();
    let offset = 0;
    const raw = t.textContent;
    for (let i = 0; i < raw.length && tops.size <= chars.length; i++) {
      if (!raw[i].trim()) continue;
      range.setStart(t, i); range.setEnd(t, i + 1);
      const r = range.getBoundingClientRect();
      if (r.width || r.height) tops.add(Math.round(r.top));
      offset++;
    }
    if (offset >= 3 && tops.size >= offset) problems.push(`one character per line: "${text.slice(0, 30)}"`);
  }
  // a picture (a QR code, a chart) wider than the card it sits in spills over the card's edge
  for (const pic of document.querySelectorAll('main img, main svg, main canvas, main video')) {
    const card = pic.parentElement?.closest('.card, .screen');
    if (!card || !pic.getClientRects().length) continue;
    if (pic.closest('[hidden], dialog:not([open]), .scroll')) continue;
    const box = pic.getBoundingClientRect();
    const edge = card.getBoundingClientRect();
    if (box.right > edge.right + 1 || box.left < edge.left - 1) {
      problems.push(`spills out of its card: ${pic.tagName.toLowerCase()}#${pic.id || pic.className || ''}`);
    }
  }
  return problems;
}"""


def focus_problems(page: Any, presses: int = 40) -> list[str]:
    """Tab through the page from its start; every element that takes the focus must show it."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    problems: list[str] = []
    count = min(presses, page.locator(FOCUSABLE).count())
    for _ in range(count):
        page.keyboard.press("Tab")
        found = page.evaluate(FOCUS_SHOWN)
        if found:
            problems.append(found)
    page.evaluate("() => document.activeElement?.blur()")
    return problems


def accessibility_problems(page: Any) -> list[str]:
    return list(page.evaluate(UNLABELLED)) + list(page.evaluate(CONTRAST)) + focus_problems(page)


def layout_problems(page: Any) -> list[str]:
    return list(page.evaluate(LAYOUT))
