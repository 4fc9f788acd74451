// The organizer's events: create one, edit it before it starts, cancel it before it ends, and open the screen
// that shows its check-in code. An event says where it is (a place, and one of Mitaka's community areas, the
// same list the residents' "find" page filters and maps by), so that residents find it near them.
import { Intent, api, byId, el, moment, points, problemText, say, start, t } from "./common.js";
import { loadAreas } from "./area-map.js";

const creating = new Intent();
const cancelling = new Intent();
let chosen = null;

// datetime-local fields hold Tokyo's wall clock, without an offset.
const toIso = (local) => `${local}:00+09:00`;
const toLocal = (iso) => new Date(iso).toLocaleString("sv-SE", { timeZone: "Asia/Tokyo" }).slice(0, 16).replace(" ", "T");

function fields(form) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.value.trim() === "") continue;
    const value = field.value.trim();
    body[field.name] = field.type === "number" ? Number(value) : field.type === "datetime-local" ? toIso(value) : value;
  }
  return body;
}

function state(event, now) {
  if (event.cancelled_at) return "cancelled";
  if (now < Date.parse(event.starts_at)) return "coming";
  return now < Date.parse(event.ends_at) ? "open" : "ended";
}

function card(event, now) {
  const when = state(event, now);
  const buttons = [el("a", { class: "button primary", href: `/organizer/events/${encodeURIComponent(event.id)}` }, t("open_screen"))];
  if (when === "coming") buttons.push(button(t("event_edit"), () => openEdit(event)));
  if (when === "coming" || when === "open") buttons.push(button(t("event_cancel"), () => openCancel(event)));
  return el(
    "li",
    { class: when === "open" ? "card open" : "card", "data-event-id": event.id },
    el("h2", {}, event.title),
    el("p", { class: `event-state state-${when}` }, t(`event_state_${when}`)),
    el("p", {}, t("event_when", { start: moment(event.starts_at), end: moment(event.ends_at) })),
    el("p", {}, t("event_points", { points: points(event.points) })),
    event.place || event.area ? el("p", { class: "event-where" }, [event.place, event.area].filter(Boolean).join("・")) : null,
    el("p", { class: "buttons" }, buttons),
  );
}

function button(label, action) {
  const node = el("button", { type: "button" }, label);
  node.addEventListener("click", action);
  return node;
}

async function refresh() {
  const events = await api("GET", "/v1/events");
  const now = Date.now();
  const cards = events.items.map((event) => card(event, now));
  byId("events").replaceChildren(...(cards.length ? cards : [el("li", {}, t("no_events"))]));
}

function openEdit(event) {
  chosen = event;
  byId("edit-title-field").value = event.title;
  byId("edit-points").value = event.points;
  byId("edit-starts").value = toLocal(event.starts_at);
  byId("edit-ends").value = toLocal(event.ends_at);
  byId("edit-capacity").value = event.capacity ?? "";
  byId("edit-place").value = event.place ?? "";
  chooseArea(byId("edit-area"), event.area ?? "");
  byId("edit-error").textContent = "";
  byId("edit-dialog").showModal();
}

function openCancel(event) {
  chosen = event;
  byId("cancel-which").textContent = `${event.title} — ${moment(event.starts_at)}`;
  byId("cancel-error").textContent = "";
  byId("cancel-dialog").showModal();
}

async function create(submitted) {
  submitted.preventDefault();
  const body = fields(byId("event-form"));
  const box = byId("event-form-result");
  try {
    const created = await api("POST", "/v1/events", body, { key: creating.keyFor(body) });
    creating.done();
    box.replaceChildren(el("p", { class: "ok" }, t("event_created_msg", { title: body.title })));
    await refresh();
    byId("events").querySelector(`[data-event-id="${CSS.escape(created.id)}"] a`)?.focus();
  } catch (error) {
    box.replaceChildren(el("span", { class: "error" }, problemText(error)));
  }
}

async function save(submitted) {
  submitted.preventDefault();
  try {
    await api("PATCH", `/v1/events/${encodeURIComponent(chosen.id)}`, fields(byId("edit-form")));
    byId("edit-dialog").close();
    say(t("event_saved_msg"));
    await refresh();
  } catch (error) {
    byId("edit-error").textContent = problemText(error);
  }
}

async function cancel(submitted) {
  submitted.preventDefault();
  const body = { reason: byId("cancel-reason").value.trim() };
  try {
    const path = `/v1/events/${encodeURIComponent(chosen.id)}/cancellation`;
    await api("POST", path, body, { key: cancelling.keyFor([chosen.id, body]) });
    cancelling.done();
    byId("cancel-dialog").close();
    say(t("event_cancelled_msg"));
    await refresh();
  } catch (error) {
    byId("cancel-error").textContent = problemText(error);
  }
}

// An area typed through the API (not one of the map's) is kept as it is, as an extra choice.
function chooseArea(select, area) {
  if (area && ![...select.options].some((option) => option.value === area)) select.append(el("option", { value: area }, area));
  select.value = area;
}

async function offerAreas() {
  const names = (await loadAreas()).map((feature) => feature.properties.name);
  for (const select of document.querySelectorAll(".area-choice")) {
    select.append(...names.map((name) => el("option", { value: name }, name)));
  }
}

function defaults() {
  const now = Date.now();
  byId("event-starts").value = toLocal(new Date(now).toISOString());
  byId("event-ends").value = toLocal(new Date(now + 2 * 3600_000).toISOString());
}

start(
  () => api("GET", "/v1/events"),
  async () => {
    defaults();
    byId("event-form").addEventListener("submit", create);
    byId("edit-form").addEventListener("submit", save);
    byId("cancel-form").addEventListener("submit", cancel);
    byId("edit-cancel").addEventListener("click", () => byId("edit-dialog").close());
    byId("cancel-close").addEventListener("click", () => byId("cancel-dialog").close());
    await Promise.all([offerAreas(), refresh()]);
  },
);
