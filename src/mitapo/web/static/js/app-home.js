import { api, byId, day, el, points, problemText, say, t, yen } from "./common.js";
import { expiringList, startResident, statementLine } from "./resident.js";

startResident(async (me) => {
  byId("greeting").textContent = t("greeting", { name: me.name });
  byId("points").textContent = points(me.balances.points);
  byId("money").textContent = yen(me.balances.money);
  byId("expiring").replaceChildren(...expiringList(me));
  byId("my-id").textContent = me.id;
  const recent = await api("GET", "/v1/me/entries?limit=5");
  const lines = recent.items.map(statementLine);
  byId("recent").replaceChildren(...(lines.length ? lines : [t("nothing_yet")]));
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
