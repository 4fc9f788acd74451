// The till's camera: it reads the code the customer holds up, in the camera dialog the organizer's door
// shares (scan-dialog.js, with the resident app's own decoding). A pay code is charged at once for the
// amount typed, as a POS would (POST /v1/charges); a みたポ card's code hands its number to the PIN pad,
// where the customer presses their PIN. Nothing is charged for any other code.
import { Intent, api, byId, points, t, yen } from "./common.js";
import { ScanDialog, cameraAvailable, isCardCode } from "./scan-dialog.js";

const PAY_CODE_PREFIX = "MTP1C.";
const charge = new Intent(); // a retry of the same code and amount sends the same key: it pays once
let scanner = null;
let sale = null; // { amount, reference, onCard, onPaid }

async function chargePayCode(payload) {
  const body = { pay_code: payload, amount: sale.amount };
  if (sale.reference) body.reference = sale.reference;
  scanner.status(t("till_charging"));
  const paid = await api("POST", "/v1/charges", body, { key: charge.keyFor(body) });
  charge.done();
  scanner.close();
  const words = { amount: yen(paid.amount), points: points(paid.points_used), money: yen(paid.money_used) };
  await sale.onPaid(t("till_code_paid", words));
}

async function handle(code) {
  const payload = code.trim();
  if (isCardCode(payload)) {
    scanner.close();
    sale.onCard(payload);
  } else if (payload.startsWith(PAY_CODE_PREFIX)) {
    await chargePayCode(payload);
  } else {
    scanner.offerAgain(t("till_not_a_pay_code"));
  }
}

// Opens the camera for a sale of `amount` yen; `onCard(payload)` takes a card to the PIN pad, and
// `onPaid(message)` is told of a pay code charged.
export function scanFor(amount, reference, onCard, onPaid) {
  sale = { amount, reference, onCard, onPaid };
  byId("scan-amount").textContent = yen(amount);
  scanner.open();
}

export function wireScan() {
  const ids = {
    dialog: "scan-dialog",
    viewfinder: "till-viewfinder",
    video: "till-camera",
    status: "scan-status",
    again: "scan-again",
    stop: "scan-stop",
  };
  scanner = new ScanDialog(ids, handle, t("till_camera_unavailable"));
  if (!cameraAvailable()) byId("scan-pay").hidden = true;
}
