// Settlements: close a period (every shop's points and money become what the city pays out), list the
// settlements newest first with whether their bank transfer was made, see one's lines, save the payout files
// (CSV, and the Zengin transfer file for the bank), and record that the bank made the transfer (asked once
// more in a dialog: it is recorded for good).
import { api, byId, day, el, moment, number, problemText, t, yen } from "./common.js";
import { cells, download, fact, onSubmit, startAdmin } from "./admin.js";

let shown = null;
let older = null; // the cursor of the list's next page

function show(settlement) {
  shown = settlement;
  const from = settlement.period_start ? moment(settlement.period_start) : t("settlement_beginning");
  byId("settlement-period").textContent = t("settlement_period", { from, until: moment(settlement.until) });
  const rows = settlement.lines.map((line) =>
    cells([line.merchant_id, number(line.points), yen(line.money), yen(line.fee), yen(line.payout)], [1, 2, 3, 4]),
  );
  byId("lines").tBodies[0].replaceChildren(...(rows.length ? rows : [cells([t("nothing_yet"), "", "", "", ""])]));
  showTransfer(settlement);
  byId("settlement").hidden = false;
  return [el("p", { class: "ok" }, t("settled_msg", { n: number(settlement.lines.length) })), fact(t("settlement_number"), settlement.id)];
}

function transferText(done) {
  const said = t("transferred_state", { on: day(done.on), by: done.by, at: moment(done.at) });
  return done.reference ? `${said} ${t("transfer_reference_said", { reference: done.reference })}` : said;
}

function showTransfer(settlement) {
  const done = settlement.transferred;
  const nothing = settlement.payout_files.zengin === null;
  byId("transfer-state").textContent = done ? transferText(done) : nothing ? t("status_nothing_to_transfer") : t("status_to_transfer");
  byId("transfer-form").hidden = Boolean(done) || nothing;
  byId("transfer-form-result").replaceChildren();
  const today = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" }); // YYYY-MM-DD in Tokyo
  byId("transfer-on").value = today;
  byId("transfer-on").max = today;
}

// Resolves true only when the officer confirms, in the dialog, the day and the settlement.
function confirmTransfer(body) {
  const dialog = byId("transfer-dialog");
  byId("transfer-confirm-text").textContent = t("transfer_confirm_text", { id: shown.id, on: day(body.transferred_on) });
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true }));
}

function statusText(item) {
  if (item.status === "transferred") return t("status_transferred", { on: day(item.transferred.on) });
  return t(`status_${item.status}`);
}

async function list(more = false) {
  const query = new URLSearchParams({ limit: "10", ...(more && older ? { before: older } : {}) });
  const page = await api("GET", `/v1/settlements?${query}`);
  const rows = page.items.map((item) => {
    const label = t("settlement_open_named", { until: moment(item.until) });
    const open = el("button", { type: "button", class: "small", "aria-label": label }, moment(item.until));
    open.addEventListener("click", async () => {
      show(await api("GET", `/v1/settlements/${encodeURIComponent(item.id)}`));
      byId("settlement-title").scrollIntoView();
    });
    return cells([open, yen(item.transfer_total), statusText(item)], [1]);
  });
  const body = byId("settlements").tBodies[0];
  if (more) body.append(...rows);
  else body.replaceChildren(...(rows.length ? rows : [cells([t("nothing_yet"), "", ""])]));
  older = page.next_before;
  byId("more-settlements").hidden = !older;
}

// datetime-local has no offset: the city's clock is Tokyo's.
const tokyo = (local) => (local.length === 16 ? `${local}:00+09:00` : `${local}+09:00`);

async function save(format) {
  const box = byId("download-result");
  box.replaceChildren(t("loading"));
  try {
    box.replaceChildren(await download(`/v1/settlements/${encodeURIComponent(shown.id)}/payout.${format}`, `${shown.id}.${format}`));
  } catch (error) {
    box.replaceChildren(el("span", { class: "error" }, problemText(error)));
  }
}

// Handlers first, then the lists: a form sent before its handler is there would go as a plain GET.
startAdmin(async () => {
  onSubmit("settle-form", async (body, key) => {
    const sent = body.until ? { until: tokyo(body.until) } : {};
    const answer = show(await api("POST", "/v1/settlements", sent, { key }));
    await list();
    return answer;
  });
  onSubmit("open-form", async (body) => show(await api("GET", `/v1/settlements/${encodeURIComponent(body.id)}`)));
  onSubmit("transfer-form", async (body, key) => {
    if (!(await confirmTransfer(body))) return t("transfer_not_done");
    const path = `/v1/settlements/${encodeURIComponent(shown.id)}/transfer`;
    const settlement = await api("POST", path, body, { key });
    show(settlement);
    await list();
    return el("p", { class: "ok" }, t("transferred_msg"));
  });
  byId("more-settlements").addEventListener("click", () => list(true));
  byId("download-csv").addEventListener("click", () => save("csv"));
  byId("download-zengin").addEventListener("click", () => save("zengin"));
  await list();
});
