import { api, byId, el, Intent, points, problemText, t } from "./common.js";
import { startResident } from "./resident.js";

const intent = new Intent();

startResident(async (me) => {
  byId("donate-balance").textContent = `${t("points")}: ${points(me.balances.points)}`;
  const recipients = await api("GET", "/v1/recipients");
  byId("recipient").replaceChildren(...recipients.items.map((r) => el("option", { value: r.id }, r.name)));
  byId("donate-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const select = byId("recipient");
    const body = {
      recipient_id: select.value,
      points: Number(byId("donate-points").value),
      public_name: byId("public-name").checked,
    };
    try {
      await api("POST", "/v1/donations", body, { key: intent.keyFor(body) });
      intent.done();
      const name = select.options[select.selectedIndex].text;
      byId("donate-result").textContent = t("donated", { recipient: name, points: points(body.points) });
      const after = await api("GET", "/v1/me");
      byId("donate-balance").textContent = `${t("points")}: ${points(after.balances.points)}`;
    } catch (error) {
      byId("donate-result").textContent = problemText(error);
    }
  });
});
