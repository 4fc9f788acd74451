"""The card's printable face: one HTML page at the size of a cash card (ISO/IEC 7810 ID-1, 85.6 × 54 mm), in
Japanese, with the QR code a till or a bus reader scans and the number printed for typing. The PIN is never on
it. Staff print it on card stock at the counter (the browser's print dialog at 100 %, no margins), or on
plain paper to cut out and laminate.
"""

from __future__ import annotations

from html import escape

from mitapo.cards import numbers
from mitapo.engine import codes

PAGE = """<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>みたポカード {printed}</title>
<style>
@page {{ size: 85.6mm 54mm; margin: 0; }}
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; padding: 0; }}
body {{ font-family: "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif; color: #1a1a1a; }}
.card {{ width: 85.6mm; height: 54mm; padding: 3.5mm 4mm; display: grid;
  grid-template-columns: 1fr 27mm; grid-template-rows: auto 1fr auto; gap: 1mm 3mm;
  border: 0.2mm solid #999; border-radius: 3.2mm; overflow: hidden; background: #fff; }}
.title {{ grid-column: 1 / 3; font-size: 4.2mm; font-weight: 700; color: #0b6b3a; }}
.title small {{ font-size: 2.6mm; font-weight: 400; color: #444; margin-left: 1.5mm; }}
.who {{ font-size: 3.6mm; align-self: center; }}
.who .name {{ font-size: 4.4mm; font-weight: 700; }}
.qr {{ grid-row: 2 / 4; grid-column: 2; width: 27mm; height: 27mm; align-self: end; }}
.qr svg {{ width: 100%; height: 100%; }}
.number {{ font-family: "DejaVu Sans Mono", monospace; font-size: 3.6mm; letter-spacing: 0.3mm; }}
.resident {{ font-size: 2.6mm; color: #333; }}
.note {{ grid-column: 1 / 3; font-size: 2.3mm; line-height: 1.35; color: #333; }}
@media screen {{ body {{ padding: 8mm; background: #eee; }} .card {{ box-shadow: 0 1mm 3mm #0003; }} }}
@media print {{ .card {{ border: none; border-radius: 0; }} }}
</style>
</head>
<body>
<main class="card" aria-label="みたポカード">
  <div class="title">みたポカード<small>三鷹市 地域ポイント</small></div>
  <div class="who"><div class="name">{name} 様</div>
    <div class="number" aria-label="カード番号">{printed}</div>{resident}</div>
  <div class="qr" role="img" aria-label="カード番号のQRコード">{qr}</div>
  <div class="note">お店では暗証番号（4〜6桁）をご自身で押してください。バスはQRを見せるだけ。<br>
    なくしたとき・暗証番号を忘れたときは、市役所またはコミュニティ・センターの窓口へ。</div>
</main>
</body>
</html>
"""


def render(number: str, name: str, resident_number: str = "") -> str:
    """The face; `resident_number` (as printed, 1234-5678) is the holder's short number, for the counter and
    for friends who give them points: small, under the card number, so that a till is never typed it."""
    svg = codes.qr_svg(numbers.qr_payload(number)).decode()
    svg = svg[svg.index("<svg") :]  # the drawing without its XML declaration, inline in the page
    resident = f'<div class="resident">みたポ番号 {escape(resident_number)}</div>' if resident_number else ""
    return PAGE.format(printed=numbers.printed(number), name=escape(name), qr=svg, resident=resident)
