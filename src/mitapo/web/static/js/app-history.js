// The resident's history, a month at a time: each line says what happened and with whom, points and money
// apart, and opens to its details (shop, slip number, event, entry id for an auditor's trail). A year of it
// downloads as CSV.
import { api, byId, el, moment, points, problemText, secret, t, yen } from "./common.js";
import { startResident } from "./resident.js";

const ARROW = { shop: "→", recipient: "→", receiver: "→", giver: "←", event: "←", campaign: "←", route: "→" };

export function kindWords(item) {
  const key = item.kind === "gift" ? (item.counterpart?.role === "giver" ? "hist_gift_in" : "hist_gift_out") : `hist_${item.kind}`;
  const words = t(key) === key ? item.label : t(key);
  const party = item.counterpart;
  return party?.name ? `${words} ${ARROW[party.role] || "·"} ${party.name}` : words;
}

function signed(value, unit) {
  return value > 0 ? `+${unit(value)}` : value < 0 ? `−${unit(-value)}` : "";
}

function detailRows(item) {
  const rows = [[t("receipt_time"), moment(item.created_at)], [t("hist_kind"), item.label]];
  const party = item.counterpart;
  if (party) rows.push([t(`hist_role_${party.role}`), party.name || party.id]);
  if (item.points) rows.push([t("points"), signed(item.points, points)]);
  if (item.money) rows.push([t("money"), signed(item.money, yen)]);
  if (item.details.reference) rows.push([t("hist_reference"), item.details.reference]);
  if (item.details.payment_id) rows.push([t("hist_payment_id"), item.details.payment_id]);
  rows.push([t("hist_entry_id"), item.entry_id]);
  return el("dl", { class: "hist-details" }, rows.map(([name, value]) => el("div", {}, el("dt", {}, name), el("dd", {}, value))));
}

export function historyLine(item) {
  const summary = el(
    "summary",
    {},
    el("span", { class: "what" }, kindWords(item)),
    el("span", { class: "when" }, moment(item.created_at)),
    el(
      "span",
      { class: "amount" },
      item.points ? el("span", { class: "pt" }, signed(item.points, points)) : null,
      item.money ? el("span", { class: "jpy" }, signed(item.money, yen)) : null,
    ),
  );
  return el("li", { class: item.points + item.money >= 0 ? "in" : "out" }, el("details", {}, summary, detailRows(item)));
}

async function showMonth(month) {
  const found = await api("GET", `/v1/me/history?month=${month}`);
  const lines = found.items.map(historyLine);
  byId("statement").replaceChildren(...(lines.length ? lines : [el("li", { class: "empty" }, t("nothing_yet"))]));
  const sum = (field) => found.items.reduce((total, item) => total + item[field], 0);
  byId("history-sum").textContent = t("hist_month_sum", { points: signed(sum("points"), points) || points(0), money: signed(sum("money"), yen) || yen(0) });
}

async function downloadYear(event) {
  event.preventDefault();
  const year = byId("csv-year").value;
  try {
    const current = secret(); // none on a resident's page: the session cookie goes along
    const headers = current ? { Authorization: `Bearer ${current}` } : {};
    const response = await fetch(`/v1/me/history.csv?year=${year}`, { headers });
    if (!response.ok) throw new Error(String(response.status));
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `mitapo-${year}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    byId("csv-result").textContent = t("downloaded", { file: `mitapo-${year}.csv` });
  } catch (error) {
    byId("csv-result").textContent = problemText(error);
  }
}

startResident(async () => {
  const now = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" }).slice(0, 7);
  const month = byId("month");
  month.value = now;
  month.max = now;
  month.addEventListener("change", () => month.value && showMonth(month.value).catch((e) => (byId("history-sum").textContent = problemText(e))));
  const thisYear = Number(now.slice(0, 4));
  byId("csv-year").replaceChildren(...[0, 1, 2].map((back) => el("option", { value: thisYear - back }, String(thisYear - back))));
  byId("csv-form").addEventListener("submit", downloadYear);
  await showMonth(now);
});
