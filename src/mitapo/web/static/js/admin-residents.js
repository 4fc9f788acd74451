// Residents at the counter: enrol one, top up money paid in cash (channel "counter", with the receipt's
// number as the reference, so a receipt is credited once), close an account.
import { api, el, t, yen } from "./common.js";
import { fact, onSubmit, startAdmin } from "./admin.js";

function enrolled(created) {
  const link = `${location.origin}/app#secret=${created.token}`;
  return [
    el("p", { class: "ok" }, t("enrolled_msg")),
    fact(t("resident_number"), created.id),
    fact(t("signin_link"), link),
    el("p", { class: "hint" }, t("signin_link_hint")),
  ];
}

startAdmin(async () => {
  onSubmit("enrol-form", async (body, key) => enrolled(await api("POST", "/v1/residents", body, { key })));
  onSubmit("topup-form", async (body, key) => {
    const done = await api("POST", "/v1/topups", { ...body, channel: "counter" }, { key });
    return el("p", { class: "ok" }, t("topped_up_msg", { amount: yen(body.amount), money: yen(done.money) }));
  });
  onSubmit("close-form", async (body, key) => {
    const path = `/v1/residents/${encodeURIComponent(body.resident_id)}/closure`;
    const done = await api("POST", path, { channel: "counter" }, { key });
    return el("p", { class: "ok" }, t("closed_msg", { money: yen(done.money_paid) }));
  });
}, { clerkAllowed: true });
