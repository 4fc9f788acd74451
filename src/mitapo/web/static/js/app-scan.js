// Scan → do the right thing: a check-in code claims the event's points; a shop's code shows the shop's name as
// the city registered it (never what the code says) and asks for the amount; a payment request shows name
// and amount. Nothing is paid before the resident confirms.
import { Intent, api, byId, points, problemText, t, yen } from "./common.js";
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

function showResult(title, detail = "", balance = "") {
  byId("confirm").hidden = true;
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

async function checkIn(payload) {
  status(t("checking_in"));
  const claimed = await api("POST", "/v1/checkins", { payload });
  status("");
  showResult(t("checked_in", { points: points(claimed.points) }), "", await balanceLine());
}

async function previewShop(payload) {
  const shop = await api("POST", "/v1/payment-previews", { qr_payload: payload });
  pending = { payload, shop };
  status("");
  byId("result").hidden = true;
  byId("shop-name").textContent = shop.name;
  byId("shop-city").textContent = shop.city;
  const fixed = shop.amount !== null;
  byId("fixed-amount").hidden = !fixed;
  byId("fixed-amount").textContent = fixed ? t("request_amount", { amount: yen(shop.amount) }) : "";
  byId("amount-field").hidden = fixed;
  byId("amount").required = !fixed;
  byId("amount").value = "";
  byId("confirm").hidden = false;
  byId("confirm-title").focus();
}

async function pay(event) {
  event.preventDefault();
  const { payload, shop } = pending;
  const body = { qr_payload: payload, funding: new FormData(byId("pay-form")).get("funding") };
  if (shop.amount === null) body.amount = Number(byId("amount").value);
  byId("pay-button").disabled = true;
  status(t("paying"));
  try {
    const paid = await api("POST", "/v1/payments", body, { key: payment.keyFor(body) });
    payment.done();
    pending = null;
    status("");
    const split = t("paid_split", { points: points(paid.points_used), money: yen(paid.money_used) });
    showResult(t("paid_to", { shop: shop.name, amount: yen(paid.amount) }), split, await balanceLine());
  } catch (error) {
    status(problemText(error));
  } finally {
    byId("pay-button").disabled = false;
  }
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
  byId("cancel-pay").addEventListener("click", () => {
    pending = null;
    byId("confirm").hidden = true;
    status("");
  });
  if (!navigator.mediaDevices?.getUserMedia) byId("start-camera").hidden = true;
});
