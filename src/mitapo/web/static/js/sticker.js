// The shop's sticker (the static code residents scan to pay, its name and how to pay), shown on the page
// and printed alone on an A6 sheet by the print stylesheet.
import { byId, showCode } from "./common.js";

export async function showSticker(shop) {
  byId("sticker-name").textContent = shop.name;
  byId("sticker-id").textContent = shop.id;
  await showCode(byId("sticker-code"), `/v1/merchants/${encodeURIComponent(shop.id)}/qr?format=svg`);
  byId("sticker").hidden = false;
  byId("sticker-print").hidden = false;
}

// The page's print stylesheet (sticker-print.css) prints the sticker alone.
export function wirePrint() {
  byId("sticker-print").addEventListener("click", () => window.print());
}
