// The code at the door: it rotates every step (30 s), so the screen fetches a fresh one every few seconds,
// and a photo of it sent to a friend at home stops working within a minute. Beside it, the live count.
// Below, the door's own check-in for a resident with a みたポ card and no smartphone: the organizer films the
// card's QR (scan-dialog.js, the till's camera dialog) or types its number, and the holder checks in with
// POST /v1/events/{id}/checkins. The answer shows the points and the new count, never who the holder is.
import { Intent, api, byId, keepAwake, number, points, problemText, say, showCode, start, t } from "./common.js";
import { ScanDialog, cameraAvailable, cardNumberOf, isCardCode } from "./scan-dialog.js";

const CODE_MS = 10_000; // well inside a step: a phone that read the code a moment ago still gets through
const COUNT_MS = 2_000;
const eventId = byId("screen").dataset.eventId;
const path = `/v1/events/${encodeURIComponent(eventId)}`;
const checkin = new Intent(); // a retry of the same card after a network error sends the same key
let scanner = null;

async function rotate() {
  await showCode(byId("checkin-code"), `${path}/checkin-code?format=svg`).catch(() => say(t("error_network")));
}

async function count() {
  const seen = await api("GET", `${path}/attendance`).catch(() => null);
  if (seen) byId("checkin-count").textContent = t("unit_people", { n: number(seen.count) });
  return seen;
}

// `state`: "busy" while the API is asked, then "ok" or "refused".
function verdict(state, headline, detail) {
  byId("door-result").hidden = false;
  byId("door-result").className = `door-result door-${state}`;
  byId("door-verdict").textContent = headline;
  byId("door-detail").textContent = detail;
  byId("door-result").scrollIntoView({ block: "nearest" });
}

// The last four digits name the card on the door's screen: the organizer holds the card, and nothing of its
// holder is shown (docs/security.md: an organizer sees counts, not people).
const lastFour = (card) => card.replace(/[^0-9]/g, "").slice(-4);

async function checkIn(card) {
  const body = { card };
  verdict("busy", t("door_checking"), "");
  try {
    const done = await api("POST", `${path}/checkins`, body, { key: checkin.keyFor(body) });
    checkin.done();
    const seen = await count();
    const words = { card: lastFour(card), points: points(done.points), count: seen ? number(seen.count) : "—" };
    verdict("ok", t("door_done"), t("door_done_detail", words));
    return true;
  } catch (error) {
    verdict("refused", t("door_refused"), problemText(error, "door_error"));
    return false;
  }
}

async function typed(event) {
  event.preventDefault();
  const field = byId("door-card");
  if (await checkIn(field.value.trim())) field.value = "";
  else field.select();
}

async function scanned(code) {
  if (!isCardCode(code)) {
    scanner.offerAgain(t("door_not_a_card"));
    return;
  }
  scanner.close();
  await checkIn(cardNumberOf(code));
  byId("door-scan").focus();
}

start(
  () => api("GET", path),
  async (event) => {
    byId("event-title").textContent = event.title;
    byId("event-points").textContent = t("event_points", { points: points(event.points) });
    if (event.capacity) byId("capacity").textContent = t("capacity", { n: number(event.capacity) });
    byId("full-screen").addEventListener("click", () => byId("screen").requestFullscreen?.().catch(() => {}));
    const ids = {
      dialog: "door-dialog",
      viewfinder: "door-viewfinder",
      video: "door-camera",
      status: "door-scan-status",
      again: "door-scan-again",
      stop: "door-scan-stop",
    };
    scanner = new ScanDialog(ids, scanned, t("door_camera_unavailable"));
    if (cameraAvailable()) byId("door-scan").addEventListener("click", () => scanner.open());
    else byId("door-scan").hidden = true;
    byId("door-form").addEventListener("submit", typed);
    keepAwake();
    await Promise.all([rotate(), count()]);
    setInterval(rotate, CODE_MS);
    setInterval(count, COUNT_MS);
  },
);
