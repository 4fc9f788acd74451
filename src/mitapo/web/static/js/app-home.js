import { api, byId, day, el, moment, points, problemText, residentNumber, say, t, yen } from "./common.js";
import { offerReminders, showSoon } from "./expiry-soon.js";
import { lastKnown, remember } from "./last-known.js";
import { expiringList, historyLine, startResident } from "./resident.js";

function showBalances(me) {
  byId("greeting").textContent = t("greeting", { name: me.name });
  byId("points").textContent = points(me.balances.points);
  byId("money").textContent = yen(me.balances.money);
  byId("expiring").replaceChildren(...expiringList(me));
  byId("my-id").textContent = me.number ? residentNumber(me.number) : me.id;
  showSoon(me);
}

// Offline start: the last known balance at once, marked as such, until the server answers.
lastKnown().then((kept) => {
  if (!kept || byId("points").dataset.live) return;
  showBalances(kept.me);
  byId("balance-as-of").textContent = t("balance_as_of", { time: moment(kept.at) });
  byId("balance-as-of").hidden = false;
  byId("signin").hidden = true;
  byId("content").hidden = false;
});

startResident(async (me) => {
  byId("points").dataset.live = "1";
  byId("balance-as-of").hidden = true;
  showBalances(me);
  remember(me);
  offerReminders().catch(() => {});
  // said as the history says it (支払い → the shop, 付与 ← the event), from the same words
  const recent = await api("GET", "/v1/me/history/latest?limit=5");
  const lines = recent.items.map(historyLine);
  byId("recent").replaceChildren(...(lines.length ? lines : [el("li", { class: "empty" }, t("nothing_yet"))]));
  await showDevices();
});

async function showDevices() {
  const { items } = await api("GET", "/v1/me/devices");
  byId("devices").replaceChildren(
    ...items.map((device) => {
      const remove = el("button", { type: "button", class: "link" }, t("device_remove"));
      remove.addEventListener("click", async () => {
        if (!confirm(t("device_remove_confirm"))) return;
        try {
          await api("DELETE", `/v1/me/devices/${encodeURIComponent(device.id)}`);
          say(t("device_removed"));
          await showDevices();
        } catch (error) {
          say(problemText(error));
        }
      });
      return el("li", {}, `${device.name} · ${t("device_added", { date: day(device.created_at) })} `, remove);
    }),
  );
}
