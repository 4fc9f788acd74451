"""A code's SVG keeps its size alone and scales inline: a printed page (the enrollment letter, a card's
face) draws it in a box of a few centimetres, which without a viewBox cut it to its top-left corner."""

from __future__ import annotations

import re

from mitapo.cards import face
from mitapo.engine.codes import qr_svg


def test_a_codes_svg_has_its_size_and_a_matching_view_box() -> None:
    svg = qr_svg("http://localhost:8000/app/enroll#code=ABCD-EFGH").decode()
    head = svg[: svg.index(">")]
    width, height = re.search(r'width="(\d+)"', head), re.search(r'height="(\d+)"', head)
    assert width and height and width.group(1) == height.group(1)
    assert f'viewBox="0 0 {width.group(1)} {height.group(1)}"' in head


def test_a_card_face_draws_its_code_scalable() -> None:
    page = face.render("9392000000000006", "三鷹 花子")
    drawn = page[page.index("<svg") :]
    assert "viewBox=" in drawn[: drawn.index(">")]
