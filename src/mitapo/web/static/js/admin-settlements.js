// Settlements: close a period (every shop's points and money become what the city pays out), see its lines,
// and save the payout files (CSV, and the Zengin transfer file for the bank).
import { api, byId, el, moment, number, problemText, t, yen } from "./common.js";
import { cells, download, fact, onSubmit, startAdmin } from "./admin.js";

let shown = null;

function show(settlement) {
  shown = settlement;
  const from = settlement.period_start ? moment(settlement.period_start) : t("settlement_beginning");
  byId("settlement-period").textContent = t("settlement_period", { from, until: moment(settlement.until) });
  const rows = settlement.lines.map((line) =>
    cells([line.merchant_id, number(line.points), yen(line.money), yen(line.fee), yen(line.payout)], [1, 2, 3, 4]),
  );
  byId("lines").tBodies[0].replaceChildren(...(rows.length ? rows : [cells([t("nothing_yet"), "", "", "", ""])]));
  byId("settlement").hidden = false;
  return [el("p", { class: "ok" }, t("settled_msg", { n: number(settlement.lines.length) })), fact(t("settlement_number"), settlement.id)];
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

startAdmin(async () => {
  onSubmit("settle-form", async (body, key) => {
    const sent = body.until ? { until: tokyo(body.until) } : {};
    return show(await api("POST", "/v1/settlements", sent, { key }));
  });
  onSubmit("open-form", async (body) => show(await api("GET", `/v1/settlements/${encodeURIComponent(body.id)}`)));
  byId("download-csv").addEventListener("click", () => save("csv"));
  byId("download-zengin").addEventListener("click", () => save("zengin"));
});
