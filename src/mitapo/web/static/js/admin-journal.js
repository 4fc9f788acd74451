// The journal: reverse an entry with a reason. Nothing is ever changed or deleted; a reversal is a new entry
// that undoes the first, so the page asks twice: once with the form, once in a dialog that names the entry.
import { api, byId, el, moment, t } from "./common.js";
import { cells, fact, onSubmit, startAdmin } from "./admin.js";

// Resolves true only when the second confirmation is given.
function confirmTwice(body) {
  const dialog = byId("reverse-dialog");
  byId("reverse-confirm-text").textContent = t("reverse_confirm_text", { entry: body.entry_id, reason: body.reason });
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true }));
}

async function recent() {
  const found = await api("GET", "/v1/audit/journal?limit=20");
  const rows = found.items.map((entry) => {
    const pick = el("button", { type: "button", class: "small" }, t("reverse_pick"));
    pick.addEventListener("click", () => {
      byId("reverse-entry").value = entry.id;
      byId("reverse-reason").focus();
    });
    return cells([`#${entry.seq}`, moment(entry.created_at), t(`kind_${entry.kind}`), entry.memo ?? "", pick]);
  });
  byId("recent").tBodies[0].replaceChildren(...rows);
}

startAdmin(async () => {
  await recent();
  onSubmit("reverse-form", async (body, key) => {
    if (!(await confirmTwice(body))) return t("reverse_not_done");
    const path = `/v1/entries/${encodeURIComponent(body.entry_id)}/reversal`;
    const done = await api("POST", path, { reason: body.reason }, { key });
    await recent();
    return [el("p", { class: "ok" }, t("reversed_msg")), fact(t("trail_entry"), done.entry_id)];
  });
});
