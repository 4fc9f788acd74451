// The code at the door: it rotates every step (30 s), so the screen fetches a fresh one every few seconds,
// and a photo of it sent to a friend at home stops working within a minute. Beside it, the live count.
import { api, byId, keepAwake, number, points, say, showCode, start, t } from "./common.js";

const CODE_MS = 10_000; // well inside a step: a phone that read the code a moment ago still gets through
const COUNT_MS = 2_000;
const eventId = byId("screen").dataset.eventId;
const path = `/v1/events/${encodeURIComponent(eventId)}`;

async function rotate() {
  await showCode(byId("checkin-code"), `${path}/checkin-code?format=svg`).catch(() => say(t("error_network")));
}

async function count() {
  const seen = await api("GET", `${path}/attendance`).catch(() => null);
  if (seen) byId("checkin-count").textContent = t("unit_people", { n: number(seen.count) });
}

start(
  () => api("GET", path),
  async (event) => {
    byId("event-title").textContent = event.title;
    byId("event-points").textContent = t("event_points", { points: points(event.points) });
    if (event.capacity) byId("capacity").textContent = t("capacity", { n: number(event.capacity) });
    byId("full-screen").addEventListener("click", () => byId("screen").requestFullscreen?.().catch(() => {}));
    keepAwake();
    await Promise.all([rotate(), count()]);
    setInterval(rotate, CODE_MS);
    setInterval(count, COUNT_MS);
  },
);
