"""Names in shop codes that every reader can count. EMVCo lengths count characters, and JavaScript, Java,
C# and Swift readers count them in UTF-16 units, so a character outside the Basic Multilingual Plane (𠮷, an
emoji) counts two there and breaks every decoder after it. Names in codes are therefore BMP-only, by a rule
applied to the code only (the registered name, which the app shows, is unchanged):

- the non-BMP variant kanji shop names use are written by their common form (𠮷 → 吉; `VARIANTS`);
- any other ideograph outside the BMP is written 〓 (the geta mark, the printers' sign for a missing kanji);
- anything else outside the BMP (emoji) is left out, with the joiners and variation selectors that bound it.
"""

from __future__ import annotations

VARIANTS = str.maketrans(
    {
        "𠮷": "吉",  # つちよし (𠮷野家)
        "𡈽": "土",  # 土に点
        "𥔎": "崎",  # たつさき
        "𠀋": "丈",
    }
)
GETA = "〓"
_JOINERS = {"\u200d", "\ufe0e", "\ufe0f"}
_IDEOGRAPHS = range(0x20000, 0x40000)  # the Supplementary and Tertiary Ideographic Planes


def for_code(name: str) -> str:
    """`name` as a code carries it: BMP only, by the rule above."""
    out: list[str] = []
    dropped = False
    for char in name.translate(VARIANTS):
        if ord(char) <= 0xFFFF:
            if not (dropped and char in _JOINERS):
                out.append(char)
                dropped = False
        elif ord(char) in _IDEOGRAPHS:
            out.append(GETA)
        else:
            dropped = True
            while out and out[-1] in _JOINERS:
                out.pop()
    return "".join(out)
