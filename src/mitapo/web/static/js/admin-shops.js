// Shops: register one with its bank account (checked by the API), show its key once, and print its sticker.
import { api, el, t } from "./common.js";
import { fact, onSubmit, startAdmin } from "./admin.js";
import { showSticker, wirePrint } from "./sticker.js";

startAdmin(async () => {
  wirePrint();
  onSubmit("shop-form", async (body, key) => {
    const created = await api("POST", "/v1/merchants", body, { key });
    await showSticker({ id: created.id, name: body.name });
    return [
      el("p", { class: "ok" }, t("shop_registered_msg")),
      fact(t("shop_number"), created.id),
      fact(t("secret_once"), created.api_key ?? "—"),
    ];
  });
  onSubmit("sticker-form", async (body) => {
    await showSticker(await api("GET", `/v1/merchants/${encodeURIComponent(body.merchant_id)}`));
    return "";
  });
});
