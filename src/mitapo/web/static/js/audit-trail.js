// One point's way through the journal, from the city's issuance to where it rests now.
import { api, byId, el, moment, problemText, t } from "./common.js";
import { shortHash, startAuditor } from "./auditor.js";

function step(s) {
  const named = s.event?.title || s.shop?.name || s.settlement_id || "";
  return el(
    "li",
    { class: `step kind-${s.entry.kind}` },
    el("h3", {}, `${t(`kind_${s.entry.kind}`)}${named ? ` — ${named}` : ""}`),
    el("p", { class: "flow" }, t("trail_step", { from: s.from, to: s.to })),
    el("p", { class: "hint" }, `${s.entry.seq ? `#${s.entry.seq} · ` : ""}${moment(s.entry.created_at)} · ${s.entry.memo}`),
    el("p", { class: "hash" }, el("abbr", { title: s.entry.hash || "" }, `${t("hash")}: ${shortHash(s.entry.hash)}`)),
    el("a", { href: `/audit/journal?kind=${s.entry.kind}&account=${encodeURIComponent(s.to)}` }, t("nav_journal")),
  );
}

async function follow(entry, point) {
  const box = byId("trail");
  try {
    const found = await api("GET", `/v1/audit/trail/${encodeURIComponent(entry)}?point=${point}`);
    byId("trail-summary").textContent = found.origin ? t("trail_origin") : t("trail_title");
    byId("steps").replaceChildren(...found.steps.map(step));
    byId("rests").textContent = t("trail_rests", { account: found.rests_in });
  } catch (error) {
    byId("trail-summary").textContent = problemText(error);
    byId("steps").replaceChildren();
    byId("rests").textContent = "";
  }
  box.hidden = false;
  box.focus();
}

startAuditor(async () => {
  const params = new URLSearchParams(location.search);
  byId("t-entry").value = params.get("entry") || "";
  byId("t-point").value = params.get("point") || "0";
  byId("trail-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const entry = byId("t-entry").value.trim();
    const point = byId("t-point").value || "0";
    history.replaceState(null, "", `?entry=${encodeURIComponent(entry)}&point=${point}`);
    follow(entry, point);
  });
  if (params.get("entry")) await follow(params.get("entry"), params.get("point") || "0");
});
