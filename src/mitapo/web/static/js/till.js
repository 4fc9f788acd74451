// The shop's till: type an amount, then show the request's code full-screen and watch it turn paid, or scan
// the customer's pay code or みたポ card with the camera (till-scan.js); refunds, and the day's payments
// with their slip numbers and totals.
import { Intent, api, byId, clock, el, keepAwake, number, points, problemText, say, showCode, start, t, yen } from "./common.js";
import { showPayouts, wireCsv } from "./till-books.js";
import { showSticker, wirePrint } from "./sticker.js";
import { cardNumberOf } from "./scan-dialog.js";
import { scanFor, wireScan } from "./till-scan.js";

const POLL_MS = 1000; // "paid" shows within a second or two of the resident confirming
const request = new Intent();
const refund = new Intent();
let shop = null;
let watching = null;
let refunding = null;

function tokyoMidnight() {
  const today = new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Tokyo" });
  return Date.parse(`${today}T00:00:00+09:00`);
}

async function todaysPayments() {
  const since = tokyoMidnight();
  const found = [];
  let cursor = null;
  do {
    const page = await api("GET", `/v1/merchant/payments?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    const today = page.items.filter((p) => Date.parse(p.created_at) >= since);
    found.push(...today);
    cursor = today.length === page.items.length ? page.next_cursor : null;
  } while (cursor);
  return found;
}

function totals(payments) {
  const sum = (field) => payments.reduce((total, p) => total + p[field], 0);
  byId("total-count").textContent = number(payments.length);
  byId("total-amount").textContent = yen(sum("amount") - sum("refunded"));
  byId("total-points").textContent = points(sum("points_used")); // points are pt, never yen
  byId("total-money").textContent = yen(sum("money_used"));
  byId("total-refunded").textContent = yen(sum("refunded"));
}

function row(payment) {
  const left = payment.amount - payment.refunded;
  const button = el("button", { type: "button", class: "small" }, t("refund"));
  button.disabled = left <= 0;
  button.addEventListener("click", () => openRefund(payment));
  return el(
    "tr",
    {},
    el("td", {}, clock(payment.created_at)),
    el("td", { class: "slip" }, payment.reference ?? "—"),
    el("td", { class: "num" }, yen(payment.amount)),
    el("td", { class: "num" }, points(payment.points_used)),
    el("td", { class: "num" }, yen(payment.money_used)),
    el("td", {}, t(`payment_${payment.status}`)),
    el("td", {}, button),
  );
}

async function refresh() {
  const payments = await todaysPayments();
  totals(payments);
  byId("payments").tBodies[0].replaceChildren(...payments.map(row));
}

function openRefund(payment) {
  refunding = payment;
  byId("refund-amount").max = payment.amount - payment.refunded;
  byId("refund-amount").value = payment.amount - payment.refunded;
  byId("refund-error").textContent = "";
  byId("refund-dialog").showModal();
}

async function submitRefund(event) {
  event.preventDefault();
  const body = { amount: Number(byId("refund-amount").value) };
  try {
    const path = `/v1/payments/${encodeURIComponent(refunding.id)}/refunds`;
    await api("POST", path, body, { key: refund.keyFor([refunding.id, body]) });
    refund.done();
    byId("refund-dialog").close();
    say(t("refunded_msg", { amount: yen(body.amount) }));
    await refresh();
  } catch (error) {
    byId("refund-error").textContent = problemText(error);
  }
}

function showStatus(state) {
  const line = byId("sale-status");
  line.className = `status status-${state}`;
  line.textContent = t(state === "paid" ? "status_paid" : state === "expired" ? "status_expired" : "waiting_payment");
}

async function watch(id) {
  const state = await api("GET", `/v1/payment-requests/${encodeURIComponent(id)}`).catch(() => null);
  if (watching !== id) return;
  if (state) showStatus(state.status);
  if (state?.status === "paid") {
    byId("sale-code").hidden = true;
    await refresh();
  } else if (state?.status !== "expired") {
    setTimeout(() => watch(id), POLL_MS);
  }
}

async function sell(event) {
  event.preventDefault();
  const body = { amount: Number(byId("till-amount").value) };
  const reference = byId("reference").value.trim();
  if (reference) body.reference = reference;
  try {
    const created = await api("POST", "/v1/payment-requests", body, { key: request.keyFor(body) });
    request.done();
    byId("sale-shop").textContent = shop.name;
    byId("sale-amount").textContent = yen(created.amount);
    byId("sale-code").hidden = false;
    await showCode(byId("sale-code"), `/v1/payment-requests/${encodeURIComponent(created.id)}/qr?format=svg`);
    showStatus("open");
    byId("sale").hidden = false;
    byId("sale-close").focus();
    document.documentElement.requestFullscreen?.().catch(() => {});
    keepAwake();
    watching = created.id;
    watch(created.id);
  } catch (error) {
    say(problemText(error));
  }
}

// A みたポ card: the shop scans or types the card, the customer presses the PIN on the pad; the PIN lives in
// this variable only until the charge is answered, and never in the Idempotency-Key's body.
const cardCharge = new Intent();
let pin = "";

function showPin() {
  byId("pin-dots").textContent = "●".repeat(pin.length) || "—";
  byId("pin-pay").disabled = pin.length < 4;
}

function press(key) {
  if (key === "back") pin = pin.slice(0, -1);
  else if (key === "clear") pin = "";
  else if (/^[0-9]$/.test(key) && pin.length < 6) pin += key;
  showPin();
}

// `scanned`: the card's code read by the camera; the number field is then filled and the pad awaits the PIN.
function openCard(scanned) {
  if (!byId("till-amount").reportValidity()) return;
  pin = "";
  showPin();
  byId("card-amount").textContent = yen(Number(byId("till-amount").value));
  byId("card-error").textContent = "";
  if (typeof scanned === "string") byId("card-number").value = cardNumberOf(scanned);
  byId("card-dialog").showModal();
  if (typeof scanned === "string") byId("pin-prompt").scrollIntoView({ block: "center" });
  else byId("card-number").focus();
}

function openScan() {
  if (!byId("till-amount").reportValidity()) return;
  const amount = Number(byId("till-amount").value);
  scanFor(amount, byId("reference").value.trim(), openCard, async (message) => {
    byId("till-amount").value = "";
    byId("reference").value = "";
    say(message);
    await refresh();
  });
}

async function payByCard(event) {
  event.preventDefault();
  const body = { card: byId("card-number").value.trim(), amount: Number(byId("till-amount").value) };
  const reference = byId("reference").value.trim();
  if (reference) body.reference = reference;
  const key = cardCharge.keyFor(body);
  const entered = pin;
  pin = "";
  showPin();
  try {
    const paid = await api("POST", "/v1/charges", { ...body, pin: entered }, { key });
    cardCharge.done();
    byId("card-dialog").close();
    byId("card-number").value = "";
    byId("till-amount").value = "";
    byId("reference").value = "";
    say(t("card_paid", { amount: yen(paid.amount) }));
    await refresh();
  } catch (error) {
    byId("card-error").textContent = problemText(error);
  }
}

function typedOnPad(event) {
  if (event.target === byId("card-number")) return; // the card's number is typed in its own field
  if (/^[0-9]$/.test(event.key) || event.key === "Backspace") {
    event.preventDefault();
    press(event.key === "Backspace" ? "back" : event.key);
  }
}

function closeSale() {
  watching = null;
  byId("sale").hidden = true;
  if (document.fullscreenElement) document.exitFullscreen().catch(() => {});
  byId("till-amount").value = "";
  byId("till-amount").focus();
}

start(
  () => api("GET", "/v1/merchant"),
  async (found) => {
    shop = found;
    byId("shop-title").textContent = `${t("till_title")} — ${shop.name}`;
    byId("amount-form").addEventListener("submit", sell);
    byId("sale-close").addEventListener("click", closeSale);
    byId("sale").addEventListener("keydown", (event) => event.key === "Escape" && closeSale());
    byId("refund-form").addEventListener("submit", submitRefund);
    byId("card-pay").addEventListener("click", () => openCard());
    byId("scan-pay").addEventListener("click", openScan);
    wireScan();
    byId("card-form").addEventListener("submit", payByCard);
    byId("card-form").addEventListener("keydown", typedOnPad);
    byId("card-cancel").addEventListener("click", () => byId("card-dialog").close());
    for (const key of document.querySelectorAll(".pin-pad button")) {
      key.addEventListener("click", () => press(key.dataset.key));
    }
    byId("refund-cancel").addEventListener("click", () => byId("refund-dialog").close());
    wirePrint();
    wireCsv(shop);
    await Promise.all([refresh(), showPayouts(), showSticker(shop)]);
  },
);
