import { Problem, api, byId, el, number, problemText, secret, t } from "./common.js";
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

// The export and the public keys, saved as files for `mitapo-ledger verify` (the command the page shows). The
// export needs the secret in the Authorization header, so a plain link cannot fetch it: the page fetches it
// and hands the browser the body to save.
async function download(button) {
  const box = byId("download-result");
  box.replaceChildren(t("loading"));
  try {
    let response;
    try {
      response = await fetch(button.dataset.path, { headers: { Authorization: `Bearer ${secret()}` } });
    } catch {
      throw new Problem(0, null);
    }
    if (!response.ok) throw new Problem(response.status, await response.json().catch(() => null));
    const saved = URL.createObjectURL(await response.blob());
    const link = el("a", { href: saved, download: button.dataset.file });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(saved), 60_000);
    box.replaceChildren(t("downloaded", { file: button.dataset.file }));
  } catch (error) {
    box.replaceChildren(problemText(error));
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
  for (const id of ["download-export", "download-keys"]) {
    byId(id).addEventListener("click", () => download(byId(id)));
  }
  budgets(found);
  await Promise.all([charts(), trialBalance()]);
});
