// A dialog that films with the device camera until a QR code shows up, decoded as the resident app does
// (scanner.js: the browser's BarcodeDetector, else the vendored jsQR), and hands the code to its page: the
// shop's till (till-scan.js: a pay code or a みたポ card) and the organizer's door (organizer-screen.js: a
// みたポ card). The page decides what a code means; this module only looks.
import { byId, problemText, t } from "./common.js";
import { watchCamera } from "./scanner.js";

export const CARD_PREFIX = "MITAPO-CARD:"; // a みたポ card's QR: `MITAPO-CARD:<its 16 digits>`

export const isCardCode = (payload) => payload.trim().toUpperCase().startsWith(CARD_PREFIX);
export const cardNumberOf = (payload) => payload.trim().replace(/^MITAPO-CARD:/i, "");
export const cameraAvailable = () => Boolean(navigator.mediaDevices?.getUserMedia);

// `ids` names the dialog's parts: { dialog, viewfinder, video, status, again, stop }. `handle(code)` is given
// each code read (the camera is stopped by then; it calls `close()` or `offerAgain(words)`); an error it
// throws is shown in the dialog as the API's words. `unavailable` is what to say when there is no camera.
export class ScanDialog {
  #ids;
  #handle;
  #unavailable;
  #camera = null;

  constructor(ids, handle, unavailable) {
    this.#ids = ids;
    this.#handle = handle;
    this.#unavailable = unavailable;
    byId(ids.stop).addEventListener("click", () => this.close());
    byId(ids.again).addEventListener("click", () => this.#look());
    byId(ids.dialog).addEventListener("close", () => this.#stop());
  }

  status(text) {
    byId(this.#ids.status).textContent = text;
  }

  offerAgain(text) {
    this.status(text);
    byId(this.#ids.again).hidden = false;
  }

  open() {
    byId(this.#ids.dialog).showModal();
    byId(this.#ids.stop).focus();
    this.#look();
  }

  close() {
    this.#stop();
    byId(this.#ids.dialog).close();
  }

  #stop() {
    this.#camera?.stop();
    this.#camera = null;
    byId(this.#ids.viewfinder).hidden = true; // a stopped camera shows nothing but black
  }

  async #look() {
    byId(this.#ids.again).hidden = true;
    byId(this.#ids.viewfinder).hidden = false;
    this.status(t("scanning"));
    this.#camera = watchCamera(byId(this.#ids.video));
    try {
      const code = await this.#camera.found;
      this.#stop();
      if (code) await this.#handle(code);
    } catch (error) {
      this.#stop();
      this.offerAgain(error instanceof DOMException ? this.#unavailable : problemText(error));
    }
  }
}
