"""Names in shop codes that every reader can count. EMVCo lengths count characters, and JavaScript, Java,
C# and Swift readers count them in UTF-16 units, so a character outside the Basic Multilingual Plane (𠮷, an
emoji) counts two there and breaks every decoder after it. Names in codes are therefore BMP-only:

- the few non-BMP variant kanji that shop names use are written in the code by their common form
  (𠮷 → 吉, the 異体字 a shop sign shows; `VARIANTS`), the registered name unchanged;
- any other character outside the BMP (emoji, rare CJK) is refused when the shop is registered
  (`validation_error`, naming the characters).
"""

from __future__ import annotations

from mitapo.engine.errors import Invalid

VARIANTS = str.maketrans(
    {
        "𠮷": "吉",  # つちよし (𠮷野家)
        "𡈽": "土",  # 土に点
        "𥔎": "崎",  # たつさき
        "𠀋": "丈",
    }
)


def for_code(name: str) -> str:
    """`name` as a code carries it: known variants by their common form; BMP only."""
    return name.translate(VARIANTS)


def check(name: str, what: str) -> None:
    """Refuse a name whose characters a code cannot carry countably (outside the BMP, no common form)."""
    outside = sorted({c for c in for_code(name) if ord(c) > 0xFFFF})
    if outside:
        shown = " ".join(f"{c} (U+{ord(c):X})" for c in outside)
        plane = "outside the Basic Multilingual Plane, which code readers miscount"
        raise Invalid(f"{what} has characters {plane}: {shown}")
