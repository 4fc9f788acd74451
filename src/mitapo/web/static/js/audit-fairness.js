import { api, byId, el, number, points, t } from "./common.js";
import { startAuditor } from "./auditor.js";

function program(p) {
  const summary = t("fair_summary", {
    residents: number(p.residents),
    total: points(p.total),
    median: points(p.median),
    max: points(p.max),
    flagged: number(p.flagged),
  });
  const top = Math.max(1, p.max);
  return el(
    "section",
    { class: "card", "aria-label": p.name },
    el("h2", {}, p.name),
    el("p", {}, summary),
    el(
      "div",
      { class: "scroll" },
      el(
        "table",
        { class: "fairness" },
        el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("col_resident")), el("th", { scope: "col" }, t("points")), el("th", { scope: "col" }, t("col_flag")))),
        el(
          "tbody",
          {},
          p.items.map((item) => {
            const bar = el("span", { class: "bar", "aria-hidden": "true" });
            bar.style.width = `${Math.round((100 * Math.max(0, item.points)) / top)}%`;
            return el(
              "tr",
              { class: item.flag ? "flagged" : null },
              el("td", {}, item.name || item.resident_id, " ", el("code", { class: "id" }, item.resident_id)),
              el("td", { class: "num" }, el("span", { class: "meter" }, bar), number(item.points)),
              el("td", {}, item.flag ? `⚠ ${t(`flag_${item.flag}`)}` : ""),
            );
          }),
        ),
      ),
    ),
  );
}

startAuditor(async () => {
  const found = await api("GET", "/v1/audit/fairness");
  byId("programs").replaceChildren(...(found.programs.length ? found.programs.map(program) : [el("p", {}, t("nothing_yet"))]));
});
