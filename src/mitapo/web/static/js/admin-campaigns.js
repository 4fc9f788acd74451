// Campaigns: the city's cashback campaigns (points back on payments at chosen shops, each month) and premium
// campaigns (bonus points on a top-up), listed with their rate, dates and shops, and created through the API.
import { api, byId, day, el, moment, points, t } from "./common.js";
import { cells, fact, onSubmit, startAdmin } from "./admin.js";
import { fillSelect } from "./admin-keys.js";

const percent = (bps) => `${(bps / 100).toLocaleString()}%`;
// A datetime-local field's value is Tokyo time: the API takes moments with their offset.
const tokyo = (local) => `${local.length === 16 ? `${local}:00` : local}+09:00`;

function cashbackRow(c, programs) {
  const where = [...c.shops.map((s) => s.name), ...c.mccs.map((m) => `MCC ${m}`)].join("、");
  const until = c.ends_on ? day(c.ends_on) : t("open_ended");
  return cells([c.name, t("campaign_kind_cashback"), `${percent(c.rate_bps)}（${t("cap_monthly", { points: points(c.monthly_cap) })}）`,
    t("period", { from: day(c.starts_on), until }), where, programs.get(c.program_id) ?? c.program_id]);
}

function premiumRow(c) {
  return cells([c.name, t("campaign_kind_premium"), `${c.rate_percent}%（${t("cap_total", { points: points(c.per_resident_cap) })}）`,
    t("period", { from: moment(c.starts_at), until: moment(c.ends_at) }), t("every_shop"), c.program_name]);
}

async function load() {
  const [cashback, premium, budgets] = await Promise.all([
    api("GET", "/v1/cashback-campaigns"), api("GET", "/v1/campaigns"), api("GET", "/v1/audit/budgets"),
  ]);
  const programs = new Map(budgets.items.map((b) => [b.id, b.name]));
  const rows = [...cashback.items.map((c) => cashbackRow(c, programs)), ...premium.items.map(premiumRow)];
  byId("campaigns").tBodies[0].replaceChildren(...rows);
  byId("campaigns-none").hidden = rows.length > 0;
  fillSelect(byId("cashback-program"), budgets.items);
  fillSelect(byId("premium-program"), budgets.items);
}

async function shopChoices() {
  const shops = (await api("GET", "/v1/shops")).items;
  byId("cashback-shops").replaceChildren(...shops.map((shop) =>
    el("label", { class: "choice" }, el("input", { type: "checkbox", name: "merchant_ids", value: shop.id }), shop.name)));
}

function cashbackBody(body) {
  const chosen = [...document.querySelectorAll("#cashback-shops input:checked")].map((box) => box.value);
  const mccs = (body.mccs ?? "").split(",").map((m) => m.trim()).filter(Boolean);
  const { rate, ...rest } = body;
  return { ...rest, rate_bps: Math.round(Number(rate) * 100), merchant_ids: chosen, mccs };
}

// Handlers first, then the lists: a form sent before its handler is there would go as a plain GET.
startAdmin(async () => {
  const starts = byId("cashback-starts");
  if (!starts.value) starts.value = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" });
  onSubmit("cashback-form", async (body, key) => {
    const sent = cashbackBody(body);
    if (!sent.merchant_ids.length && !sent.mccs.length) return el("span", { class: "error" }, t("need_shops"));
    const created = await api("POST", "/v1/cashback-campaigns", sent, { key });
    await load();
    return [el("p", { class: "ok" }, t("campaign_created_msg", { name: body.name })), fact(t("col_number"), created.id)];
  });
  onSubmit("premium-form", async (body, key) => {
    const sent = { ...body, starts_at: tokyo(body.starts_at), ends_at: tokyo(body.ends_at) };
    const created = await api("POST", "/v1/campaigns", sent, { key });
    await load();
    return [el("p", { class: "ok" }, t("campaign_created_msg", { name: body.name })), fact(t("col_number"), created.id)];
  });
  await Promise.all([load(), shopChoices()]);
});
