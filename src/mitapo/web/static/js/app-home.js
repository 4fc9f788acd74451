import { api, byId, points, t, yen } from "./common.js";
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
});
