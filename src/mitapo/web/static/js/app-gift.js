import { api, byId, Intent, points, problemText, t } from "./common.js";
import { startResident } from "./resident.js";

const intent = new Intent();

startResident(async (me) => {
  byId("gift-balance").textContent = `${t("points")}: ${points(me.balances.points)}`;
  byId("gift-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { to_resident_id: byId("to-resident").value.trim(), points: Number(byId("gift-points").value) };
    try {
      await api("POST", "/v1/gifts", body, { key: intent.keyFor(body) });
      intent.done();
      byId("gift-result").textContent = t("gifted", { points: points(body.points) });
      const after = await api("GET", "/v1/me");
      byId("gift-balance").textContent = `${t("points")}: ${points(after.balances.points)}`;
    } catch (error) {
      byId("gift-result").textContent = problemText(error);
    }
  });
});
