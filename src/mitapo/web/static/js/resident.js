// What the resident's pages share: signing in with the resident's secret, and statement lines.
import { api, day, el, points, registerServiceWorker, start, t, yen } from "./common.js";

export function startResident(main) {
  registerServiceWorker();
  start(() => api("GET", "/v1/me"), main);
}

export function describe(item) {
  return item.event?.title || item.shop?.name || t(`kind_${item.kind}`);
}

function signed(value, unit) {
  return value > 0 ? `+${unit(value)}` : value < 0 ? `−${unit(-value)}` : "";
}

export function statementLine(item) {
  const changes = [signed(item.points, points), signed(item.money, yen)].filter(Boolean).join(" / ");
  return el(
    "li",
    { class: item.points + item.money >= 0 ? "in" : "out" },
    el("span", { class: "what" }, describe(item)),
    el("span", { class: "when" }, day(item.created_at)),
    el("span", { class: "amount" }, changes),
  );
}

export function expiringList(me) {
  if (!me.points_expiring.length) return [el("li", {}, t("no_points"))];
  return me.points_expiring.map((lot) =>
    el("li", {}, t("expires_on", { date: day(lot.expires_on), points: points(lot.points) })),
  );
}
