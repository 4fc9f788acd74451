// Scan → do the right thing: a check-in code claims the event's points; a shop's code shows the shop's name as
// the city registered it (never what the code says) and asks for the amount; a payment request shows name
// and amount. Nothing is paid before the resident confirms.
import { Intent, api, byId, moment, points, problemText, t, yen } from "./common.js";
import { answerLost, askAttempt } from "./payment-outcome.js";
import { startResident } from "./resident.js";
import { readPhoto, watchCamera } from "./scanner.js";

const CHECKIN_PREFIX = "MTP1C.";
const EMVCO_PREFIX = "000201";
const payment = new Intent();
let camera = null;
let pending = null; // the shop code awaiting confirmation, and what the server said about it

function status(text) {
  byId("scan-status").textContent = text;
}

function payStatus(text) {
  byId("pay-status").textContent = text;
}

function showResult(title, detail = "", balance = "") {
  byId("confirm").hidden = true;
  byId("scanner").hidden = true;
  byId("receipt").hidden = true;
  byId("result-title").textContent = title;
  byId("result-detail").textContent = detail;
  byId("result-balance").textContent = balance;
  byId("result").hidden = false;
  byId("result").focus();
}

async function balanceLine() {
  const me = await api("GET", "/v1/me");
  return t("new_balance", { points: points(me.balances.points) });
}

// A "受け取る" code (signed like a check-in code) scanned here: give to its owner on the gift screen.
async function receiveCode(payload) {
  await api("POST", "/v1/gift-previews", { receive_code: payload });
  location.assign(`/app/gift#receive=${encodeURIComponent(payload)}`);
}

async function checkIn(payload) {
  status(t("checking_in"));
  let claimed;
  try {
    claimed = await api("POST", "/v1/checkins", { payload });
  } catch (error) {
    if (error.code !== "code_invalid") throw error;
    await receiveCode(payload).catch(() => {
      throw error;
    });
    return;
  }
  status("");
  showResult(t("checked_in", { points: points(claimed.points) }), "", await balanceLine());
}

async function previewShop(payload) {
  const shop = await api("POST", "/v1/payment-previews", { qr_payload: payload });
  pending = { payload, shop };
  status("");
  payStatus("");
  byId("result").hidden = true;
  byId("scanner").hidden = true; // the shop, the amount and the pay button fit one phone screen
  byId("shop-name").textContent = shop.name;
  byId("shop-city").textContent = shop.city;
  const fixed = shop.amount !== null;
  byId("fixed-amount").hidden = !fixed;
  byId("fixed-amount").textContent = fixed ? t("request_amount", { amount: yen(shop.amount) }) : "";
  byId("amount-field").hidden = fixed;
  byId("amount").required = !fixed;
  byId("amount").value = "";
  // A payment request already paid (or run out) says so first: paying it again is not offered.
  const closed = shop.status === "paid" || shop.status === "expired";
  byId("request-state").hidden = !closed;
  byId("request-state").className = `status status-${shop.status}`;
  byId("request-state").textContent = closed ? t(`request_${shop.status}`) : "";
  byId("pay-button").hidden = closed;
  byId("cancel-pay").textContent = closed ? t("scan_again") : t("cancel");
  byId("confirm").hidden = false;
  byId("confirm-title").focus({ preventScroll: true });
}

async function showReceipt(paid) {
  const me = await api("GET", "/v1/me").catch(() => null);
  showResult(t("paid_to", { shop: paid.merchant_name, amount: yen(paid.amount) }));
  byId("receipt-shop").textContent = paid.merchant_name;
  byId("receipt-amount").textContent = yen(paid.amount);
  byId("receipt-points").textContent = points(paid.points_used);
  byId("receipt-money").textContent = yen(paid.money_used);
  byId("receipt-time").textContent = moment(paid.created_at);
  // The shop's slip number (a payment request's `reference`), to match the shop's paper slip at a refund.
  byId("receipt-reference").textContent = paid.reference ?? "";
  byId("receipt-slip").hidden = !paid.reference;
  byId("receipt-left").textContent = me
    ? t("balances_left", { points: points(me.balances.points), money: yen(me.balances.money) })
    : t("balances_unknown");
  byId("receipt").hidden = false;
}

async function afterLostAnswer(key) {
  payStatus(t("checking_payment"));
  const known = await askAttempt(key);
  if (known.status === "paid") return known.payment;
  payStatus(known.status === "unknown" ? t("payment_not_made") : t("payment_unreachable"));
  return null;
}

async function pay(event) {
  event.preventDefault();
  const { payload, shop } = pending;
  const body = { qr_payload: payload, funding: new FormData(byId("pay-form")).get("funding") };
  if (shop.amount === null) body.amount = Number(byId("amount").value);
  const key = payment.keyFor(body); // the same key while the resident retries this payment
  byId("pay-button").disabled = true;
  payStatus(t("paying"));
  try {
    let paid = null;
    try {
      paid = await api("POST", "/v1/payments", body, { key });
      paid = { ...paid, merchant_name: shop.name };
    } catch (error) {
      if (!answerLost(error)) throw error;
      paid = await afterLostAnswer(key);
    }
    if (paid) {
      payment.done();
      pending = null;
      payStatus("");
      await showReceipt(paid);
    }
  } catch (error) {
    payStatus(problemText(error));
  } finally {
    byId("pay-button").disabled = false;
  }
}

function scanAgain() {
  pending = null;
  byId("confirm").hidden = true;
  byId("result").hidden = true;
  byId("scanner").hidden = false;
  status("");
}

async function handle(code) {
  const payload = code.trim();
  try {
    if (payload.startsWith(CHECKIN_PREFIX)) await checkIn(payload);
    else if (payload.startsWith(EMVCO_PREFIX)) await previewShop(payload);
    else status(t("unknown_code"));
  } catch (error) {
    status(problemText(error));
  }
}

function stopCamera() {
  camera?.stop();
  camera = null;
  byId("viewfinder").hidden = true;
  byId("stop-camera").hidden = true;
  byId("start-camera").hidden = false;
}

async function startCamera() {
  byId("viewfinder").hidden = false;
  byId("start-camera").hidden = true;
  byId("stop-camera").hidden = false;
  status(t("scanning"));
  camera = watchCamera(byId("camera"));
  try {
    const code = await camera.found;
    stopCamera();
    if (code) await handle(code);
  } catch {
    stopCamera();
    status(t("camera_unavailable"));
  }
}

startResident(async () => {
  byId("start-camera").addEventListener("click", startCamera);
  byId("stop-camera").addEventListener("click", () => {
    stopCamera();
    status("");
  });
  byId("photo").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (!file) return;
    const code = await readPhoto(file).catch(() => null);
    event.target.value = "";
    if (code) await handle(code);
    else status(t("no_code_in_photo"));
  });
  byId("paste-form").addEventListener("submit", (event) => {
    event.preventDefault();
    handle(byId("pasted").value);
  });
  byId("pay-form").addEventListener("submit", pay);
  byId("cancel-pay").addEventListener("click", scanAgain);
  byId("scan-again").addEventListener("click", scanAgain);
  if (!navigator.mediaDevices?.getUserMedia) byId("start-camera").hidden = true;
});
