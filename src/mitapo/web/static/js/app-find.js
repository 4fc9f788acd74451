// Find what to join and where to pay: upcoming events and shops, by area (on the map or the list), date and
// kind, with "add to calendar" for an event and the campaigns that apply at a shop.
import { api, byId, clock, day, el, points, problemText, t } from "./common.js";
import { drawMap, loadAreas } from "./area-map.js";
import { startResident } from "./resident.js";

let features = [];
const areaOf = (name) => (name || "").replace(/(住区|地区)$/, "");

function eventItem(event) {
  const where = [event.place, event.area].filter(Boolean).join("・");
  return el(
    "li",
    { class: "found-item" },
    el("h3", {}, event.title),
    el("p", { class: "when" }, `${day(event.starts_at)} ${clock(event.starts_at)}–${clock(event.ends_at)}`),
    where ? el("p", {}, where) : null,
    el("p", {}, el("strong", {}, points(event.points)), ` · ${t("find_organizer")}: ${event.organizer}`),
    el("a", { class: "button", href: `/v1/events/${encodeURIComponent(event.id)}/calendar.ics`, download: `${event.id}.ics` }, t("add_to_calendar")),
  );
}

function shopItem(shop) {
  const campaigns = shop.campaigns.map((c) => el("span", { class: `badge badge-${c.kind}` }, `${t(`campaign_${c.kind}`)} ${c.name} ${c.rate}`));
  return el(
    "li",
    { class: "found-item" },
    el("h3", {}, shop.name),
    el("p", {}, [shop.area, t(`shop_kind_${shop.kind}`)].filter(Boolean).join("・")),
    campaigns.length ? el("p", { class: "badges" }, campaigns) : null,
  );
}

function query(params) {
  const found = Object.entries(params).filter(([, value]) => value);
  return found.length ? `?${new URLSearchParams(found)}` : "";
}

async function refresh() {
  const area = byId("area").value;
  const [events, shops, allEvents, allShops] = await Promise.all([
    api("GET", `/v1/events/upcoming${query({ area, from: byId("from").value, to: byId("to").value })}`),
    api("GET", `/v1/shops${query({ area, kind: byId("kind").value })}`),
    api("GET", `/v1/events/upcoming${query({ from: byId("from").value, to: byId("to").value })}`),
    api("GET", `/v1/shops${query({ kind: byId("kind").value })}`),
  ]);
  byId("events").replaceChildren(...(events.items.length ? events.items.map(eventItem) : [el("li", {}, t("find_no_events"))]));
  byId("shops").replaceChildren(...(shops.items.length ? shops.items.map(shopItem) : [el("li", {}, t("find_no_shops"))]));
  const counts = {};
  for (const [list, field] of [[allEvents.items, "events"], [allShops.items, "shops"]]) {
    for (const item of list) {
      const name = areaOf(item.area);
      counts[name] ??= { events: 0, shops: 0 };
      counts[name][field] += 1;
    }
  }
  const words = {
    label: t("find_map"),
    legend: t("find_map_legend"),
    count: (here) => t("find_area_count", { events: here.events, shops: here.shops }),
  };
  drawMap(byId("area-map"), features, counts, area, choose, words);
}

function choose(area) {
  byId("area").value = area;
  refresh().catch((error) => (byId("events").textContent = problemText(error)));
}

startResident(async () => {
  features = await loadAreas();
  byId("area").append(...features.map((f) => el("option", { value: f.properties.name }, f.properties.name)));
  for (const id of ["area", "from", "to", "kind"]) byId(id).addEventListener("change", () => choose(byId("area").value));
  await refresh();
});
