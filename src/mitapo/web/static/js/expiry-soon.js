// What expires in the next 30 days, said on the home screen; and the resident's consent to a reminder by Web
// Push 14 and 3 days before (the city may have turned reminders off; then nothing is offered).
import { api, byId, day, el, points, t } from "./common.js";

const SOON_DAYS = 30;

export function expiringSoon(me, today = new Date()) {
  const limit = new Date(today.getTime() + SOON_DAYS * 86_400_000).toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" });
  return me.points_expiring.filter((lot) => lot.expires_on <= limit);
}

export function showSoon(me) {
  const lots = expiringSoon(me);
  byId("expiring-soon").hidden = lots.length === 0;
  if (!lots.length) return;
  const total = lots.reduce((sum, lot) => sum + lot.points, 0);
  byId("soon-total").textContent = t("soon_total", { points: points(total) });
  byId("soon-lots").replaceChildren(...lots.map((lot) => el("li", {}, t("expires_on", { date: day(lot.expires_on), points: points(lot.points) }))));
}

const base64url = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

async function subscribe(publicKey) {
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64url(publicKey) });
  await api("POST", "/v1/me/push-subscriptions", subscription.toJSON());
}

function state(subscribed) {
  byId("reminders-state").textContent = t(subscribed ? "reminders_are_on" : "reminders_are_off");
  byId("reminders-on").hidden = subscribed;
  byId("reminders-off").hidden = !subscribed;
}

export async function offerReminders() {
  if (!("PushManager" in window) || !("serviceWorker" in navigator)) return;
  const key = await api("GET", "/v1/push/public-key");
  if (!key.enabled) return;
  byId("reminders").hidden = false;
  state((await api("GET", "/v1/me/push-subscriptions")).subscribed);
  byId("reminders-on").addEventListener("click", async () => {
    // Consent is recorded only once the browser's push service took the subscription: never "on" otherwise.
    if ((await Notification.requestPermission()) !== "granted") {
      byId("reminders-state").textContent = t("reminders_denied");
      return;
    }
    try {
      await subscribe(key.public_key);
      state(true);
    } catch {
      byId("reminders-state").textContent = t("reminders_failed");
    }
  });
  byId("reminders-off").addEventListener("click", async () => {
    const registration = await navigator.serviceWorker.ready;
    await (await registration.pushManager.getSubscription())?.unsubscribe();
    await api("DELETE", "/v1/me/push-subscriptions");
    state(false);
  });
}
