// What the resident's pages share: signing in with the resident's secret, and history lines.
import { api, day, el, moment, points, registerServiceWorker, start, t, yen } from "./common.js";

export function startResident(main) {
  registerServiceWorker();
  start(() => api("GET", "/v1/me"), main);
}

// A line of the resident's history, said in words with whom (支払い → 三鷹農園, もらった ← 井口 太郎), points
// and money apart, opening to its details: the history page and the home screen's recent list both show these.
// The arrow follows the value: → to whom it went (a shop paid, a gift given), ← from whom it came (a refund,
// an event's points, a gift received).
export function kindWords(item) {
  const key = item.kind === "gift" ? (item.counterpart?.role === "giver" ? "hist_gift_in" : "hist_gift_out") : `hist_${item.kind}`;
  const words = t(key) === key ? item.label : t(key);
  const party = item.counterpart;
  const arrow = item.points + item.money > 0 ? "←" : "→";
  return party?.name ? `${words} ${arrow} ${party.name}` : words;
}

export function signed(value, unit) {
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

export function expiringList(me) {
  if (!me.points_expiring.length) return [el("li", {}, t("no_points"))];
  return me.points_expiring.map((lot) =>
    el("li", {}, t("expires_on", { date: day(lot.expires_on), points: points(lot.points) })),
  );
}
