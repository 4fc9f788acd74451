import { api, byId, el, moment, points, start, t } from "./common.js";

start(
  () => api("GET", "/v1/events"),
  async (events) => {
    const now = Date.now();
    const cards = events.items.map((event) => {
      const open = Date.parse(event.starts_at) <= now && now < Date.parse(event.ends_at);
      return el(
        "li",
        { class: open ? "card open" : "card" },
        el("h2", {}, event.title),
        el("p", {}, t("event_when", { start: moment(event.starts_at), end: moment(event.ends_at) })),
        el("p", {}, t("event_points", { points: points(event.points) })),
        el("a", { class: "button primary", href: `/organizer/events/${encodeURIComponent(event.id)}` }, t("open_screen")),
      );
    });
    byId("events").replaceChildren(...(cards.length ? cards : [el("li", {}, t("no_events"))]));
  },
);
