// The till's camera: it reads the code the customer holds up, with the resident app's own decoding
// (scanner.js: the browser's BarcodeDetector, else the vendored jsQR). A pay code is charged at once for the
// amount typed, as a POS would (POST /v1/charges); a みたポ card's code hands its number to the PIN pad,
// where the customer presses their PIN. Nothing is charged for any other code.
import { Intent, api, byId, points, problemText, t, yen } from "./common.js";
import { watchCamera } from "./scanner.js";

const CARD_PREFIX = "MITAPO-CARD:";
const PAY_CODE_PREFIX = "MTP1C.";
const charge = new Intent(); // a retry of the same code and amount sends the same key: it pays once
let camera = null;
let sale = null; // { amount, reference, onCard, onPaid }

function status(text) {
  byId("scan-status").textContent = text;
}

function stop() {
  camera?.stop();
  camera = null;
  byId("till-viewfinder").hidden = true; // a stopped camera shows nothing but black
}

function close() {
  stop();
  byId("scan-dialog").close();
}

async function chargePayCode(payload) {
  const body = { pay_code: payload, amount: sale.amount };
  if (sale.reference) body.reference = sale.reference;
  status(t("till_charging"));
  const paid = await api("POST", "/v1/charges", body, { key: charge.keyFor(body) });
  charge.done();
  close();
  const words = { amount: yen(paid.amount), points: points(paid.points_used), money: yen(paid.money_used) };
  await sale.onPaid(t("till_code_paid", words));
}

async function handle(code) {
  const payload = code.trim();
  if (payload.toUpperCase().startsWith(CARD_PREFIX)) {
    close();
    sale.onCard(payload);
  } else if (payload.startsWith(PAY_CODE_PREFIX)) {
    await chargePayCode(payload);
  } else {
    status(t("till_not_a_pay_code"));
    byId("scan-again").hidden = false;
  }
}

async function look() {
  byId("scan-again").hidden = true;
  byId("till-viewfinder").hidden = false;
  status(t("scanning"));
  camera = watchCamera(byId("till-camera"));
  try {
    const code = await camera.found;
    stop();
    if (code) await handle(code);
  } catch (error) {
    stop();
    status(error instanceof DOMException ? t("till_camera_unavailable") : problemText(error));
    byId("scan-again").hidden = false;
  }
}

// Opens the camera for a sale of `amount` yen; `onCard(payload)` takes a card to the PIN pad, and
// `onPaid(message)` is told of a pay code charged.
export function scanFor(amount, reference, onCard, onPaid) {
  sale = { amount, reference, onCard, onPaid };
  byId("scan-amount").textContent = yen(amount);
  byId("scan-dialog").showModal();
  byId("scan-stop").focus();
  look();
}

export function wireScan() {
  byId("scan-stop").addEventListener("click", close);
  byId("scan-again").addEventListener("click", look);
  byId("scan-dialog").addEventListener("close", stop);
  if (!navigator.mediaDevices?.getUserMedia) byId("scan-pay").hidden = true;
}
