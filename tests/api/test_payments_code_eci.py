"""QR images carry the UTF-8 ECI designator, so a reader that assumes Shift_JIS still reads tag 64 right.

zxing-cpp reads the image and tells the data mask; the first codeword is then read straight off the modules
(the bottom-right corner, where every QR symbol's bit stream starts; the next codewords placed belong to the
other blocks): mode indicator 0111 (ECI), then the first four bits of the assignment number 26 (UTF-8,
00011010). A symbol without ECI starts with 0100 (byte) or 0001 (numeric)."""

from __future__ import annotations

import io

import pytest

from tests.api.conftest import Api
from tests.api.payments_support import shop

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")

MASKS = {
    0: lambda i, j: (i + j) % 2 == 0,
    1: lambda i, j: i % 2 == 0,
    2: lambda i, j: j % 3 == 0,
    3: lambda i, j: (i + j) % 3 == 0,
    4: lambda i, j: (i // 2 + j // 3) % 2 == 0,
    5: lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    6: lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    7: lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
}


def first_bits(png: bytes, count: int, scale: int = 12, border: int = 4) -> tuple[str, str]:
    """(the text zxing-cpp reads, the first `count` bits of the data stream)."""
    image = Image.open(io.BytesIO(png)).convert("L")
    read = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(read) == 1
    mask = MASKS[int(read[0].extra["DataMask"])]
    size = image.width // scale - 2 * border

    def dark(i: int, j: int) -> bool:
        return image.getpixel(((border + j) * scale + scale // 2, (border + i) * scale + scale // 2)) < 128

    bits, row = [], size - 1  # upward through the rightmost two columns: right module, then left
    while len(bits) < count:
        for j in (size - 1, size - 2):
            bits.append(str(int(dark(row, j) != mask(row, j))))
        row -= 1
    return str(read[0].text), "".join(bits[:count])


def test_shop_code_images_carry_the_utf8_eci_designator(api: Api, admin: str) -> None:
    farm = shop(api, admin, "三鷹の農家", city="三鷹市")
    for fmt in ("png",):
        image = api.get(f"/v1/merchants/{farm['id']}/qr", farm["api_key"], params={"format": fmt})
        text, bits = first_bits(image.content, 8)
        assert text == farm["qr_payload"]
        assert bits == "0111" + "0001"  # ECI, and 26 (UTF-8) begins 0001
