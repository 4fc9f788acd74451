// The journal: reverse an entry with a reason. Nothing is ever changed or deleted; a reversal is a new entry
// that undoes the first, so the page asks twice: once with the form, once in a dialog that names the entry.
// And rotate the service's signing key, asked twice in dialogs: the new key signs from then on, the old
// ones stay published so that everything they signed still verifies.
import { api, byId, el, moment, problemText, t } from "./common.js";
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

// One step of the rotation's confirmation: resolves true when its button is pressed.
function ask(title, text, button) {
  const dialog = byId("rotate-dialog");
  byId("rotate-confirm-title").textContent = title;
  byId("rotate-confirm-text").textContent = text;
  byId("rotate-yes").textContent = button;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true }));
}

async function currentKey() {
  const published = await api("GET", "/v1/audit/public-keys");
  byId("rotate-current").textContent = t("signkey_rotate_current", { n: published.keys.length });
}

async function rotate() {
  const box = byId("rotate-result");
  if (!(await ask(t("signkey_rotate_confirm_title"), t("signkey_rotate_confirm_text"), t("signkey_rotate_next")))) return box.replaceChildren(t("signkey_rotate_not_done"));
  if (!(await ask(t("signkey_rotate_confirm_again_title"), t("signkey_rotate_confirm_again_text"), t("signkey_rotate_confirm_button")))) {
    return box.replaceChildren(t("signkey_rotate_not_done"));
  }
  box.replaceChildren(t("loading"));
  try {
    const rotated = await api("POST", "/v1/audit/keys/rotation");
    const verified = await api("GET", "/v1/audit/verify");
    await currentKey();
    box.replaceChildren(
      el("p", { class: "ok" }, t("signkey_rotated_msg")),
      fact(t("signkey_rotate_new_kid"), rotated.kid),
      fact(t("signkey_rotate_previous_kid"), rotated.previous_kid),
      el("p", { class: verified.ok ? "ok" : "error", id: "rotate-verified" }, t(verified.ok ? "signkey_rotate_verified" : "signkey_rotate_not_verified")),
    );
  } catch (error) {
    box.replaceChildren(el("span", { class: "error" }, problemText(error)));
  }
}

// The forms answer before the lists arrive: a clerk who types fast must never send the form as a plain GET.
startAdmin(async () => {
  byId("rotate-button").addEventListener("click", rotate);
  onSubmit("reverse-form", async (body, key) => {
    if (!(await confirmTwice(body))) return t("reverse_not_done");
    const path = `/v1/entries/${encodeURIComponent(body.entry_id)}/reversal`;
    const done = await api("POST", path, { reason: body.reason }, { key });
    await recent();
    return [el("p", { class: "ok" }, t("reversed_msg")), fact(t("trail_entry"), done.entry_id)];
  });
  await recent();
  await currentKey();
});
