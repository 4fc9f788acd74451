// Shops: register one with its bank account (checked by the API), show its key once, print its sticker, list
// the shops with their campaigns, and rotate or revoke a shop's key (confirmed first).
import { api, byId, el, t } from "./common.js";
import { cells, fact, onSubmit, startAdmin } from "./admin.js";
import { fillSelect, secretOnce, wireKeys } from "./admin-keys.js";
import { showSticker, wirePrint } from "./sticker.js";

let shops = [];

async function load() {
  shops = (await api("GET", "/v1/shops")).items;
  const rows = shops.map((shop) =>
    cells([shop.name, shop.campaigns.map((c) => `${c.name} (${c.rate})`).join("、") || "—",
      el("code", { class: "id" }, shop.id)]),
  );
  byId("shops").tBodies[0].replaceChildren(...rows);
  fillSelect(byId("keys-principal"), shops);
}

// Handlers first, then the lists: a form sent before its handler is there would go as a plain GET.
startAdmin(async () => {
  wirePrint();
  onSubmit("shop-form", async (body, key) => {
    const created = await api("POST", "/v1/merchants", body, { key });
    await showSticker({ id: created.id, name: body.name });
    await load();
    return [
      el("p", { class: "ok" }, t("shop_registered_msg")),
      fact(t("shop_number"), created.id),
      secretOnce(created.api_key),
    ];
  });
  onSubmit("sticker-form", async (body) => {
    await showSticker(await api("GET", `/v1/merchants/${encodeURIComponent(body.merchant_id)}`));
    return "";
  });
  wireKeys("keys-form", { nameOf: (id) => shops.find((s) => s.id === id)?.name ?? id, after: load });
  await load();
});
