import { api, byId, el, number, t } from "./common.js";
import { cells, startAuditor } from "./auditor.js";
import { drawChart } from "./chart.js";

async function verify() {
  const box = byId("verify-result");
  box.replaceChildren(t("loading"));
  const result = await api("GET", "/v1/audit/verify");
  const head = t("head", { seq: result.head.seq, hash: result.head.hash });
  if (result.ok) {
    box.replaceChildren(
      el("p", { class: "ok" }, `✓ ${t("verify_ok", { n: number(result.entries_checked) })}`),
      el("p", { class: "hash" }, head),
    );
  } else {
    box.replaceChildren(
      el("p", { class: "bad" }, `✗ ${t("verify_failed", { n: result.problems.length })}`),
      el("ul", {}, result.problems.map((p) => el("li", {}, `${p.code}: ${p.detail}${p.seq ? ` (#${p.seq})` : ""}`))),
      el("p", { class: "hash" }, head),
    );
  }
}

async function charts() {
  const monthly = await api("GET", "/v1/audit/monthly");
  drawChart(byId("chart-points"), monthly.months, monthly.points);
  drawChart(byId("chart-money"), monthly.months, monthly.money);
}

function budgets(found) {
  byId("budgets").tBodies[0].replaceChildren(
    ...found.items.map((b) =>
      cells([b.name, number(b.funded), number(b.drawn), number(b.budget_remaining), number(b.residents), number(b.events)], [1, 2, 3, 4, 5]),
    ),
  );
}

async function trialBalance() {
  const tb = await api("GET", "/v1/audit/trial-balance");
  byId("totals").tBodies[0].replaceChildren(
    ...Object.entries(tb.assets).map(([asset, sums]) => cells([asset, number(sums.debits), number(sums.credits)], [1, 2])),
  );
  byId("accounts").tBodies[0].replaceChildren(
    ...tb.accounts.map((a) => cells([a.account, a.asset, number(a.balance)], [2])),
  );
}

startAuditor(async (found) => {
  byId("verify").addEventListener("click", verify);
  budgets(found);
  await Promise.all([charts(), trialBalance()]);
});
