import { api, byId, el, moment, number, t } from "./common.js";
import { startAuditor } from "./auditor.js";

let query = "";
let before = null;
let asked = 0; // the latest question: an answer to an earlier one (filters changed meanwhile) is dropped

function postings(entry) {
  return el(
    "table",
    { class: "postings" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("col_account")), el("th", { scope: "col" }, t("col_asset")), el("th", { scope: "col" }, t("col_amount_signed")))),
    el("tbody", {}, entry.postings.map((p) => el("tr", {}, el("td", {}, p.account), el("td", {}, p.asset), el("td", { class: "num" }, number(p.amount))))),
  );
}

function card(entry) {
  const movesPoints = entry.postings.some((p) => p.asset === "PT");
  return el(
    "li",
    { class: "card entry" },
    el("h2", {}, `#${entry.seq} ${t(`kind_${entry.kind}`)} `, el("code", {}, entry.kind)),
    el("p", { class: "hint" }, `${moment(entry.created_at)} · ${entry.memo}`),
    el("div", { class: "scroll" }, postings(entry)),
    el("dl", { class: "hashes" }, el("dt", {}, t("prev_hash")), el("dd", {}, el("code", {}, entry.prev_hash)), el("dt", {}, t("hash")), el("dd", {}, el("code", {}, entry.hash))),
    el("p", {}, el("code", { class: "id" }, entry.id), " ", movesPoints ? el("a", { href: `/audit/trail?entry=${entry.id}` }, t("follow_point")) : null),
  );
}

async function load(reset) {
  if (reset) before = null;
  const mine = ++asked;
  const page = await api("GET", `/v1/audit/journal?${query}${before ? `&before_seq=${before}` : ""}`);
  if (mine !== asked) return;
  if (reset) byId("entries").replaceChildren();
  byId("entries").append(...page.items.map(card));
  before = page.next_before_seq;
  byId("more").hidden = !before;
  byId("found").textContent = t("entries_found", { n: byId("entries").children.length });
}

startAuditor(async () => {
  const form = byId("filters");
  const params = new URLSearchParams(location.search);
  for (const field of form.elements) if (field.name && params.has(field.name)) field.value = params.get(field.name);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = new URLSearchParams();
    for (const field of form.elements) if (field.name && field.value.trim()) chosen.set(field.name, field.value.trim());
    query = chosen.toString();
    history.replaceState(null, "", `?${query}`);
    load(true);
  });
  query = [...params].filter(([name]) => name !== "lang").map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join("&");
  byId("more").addEventListener("click", () => load(false));
  await load(true);
});
