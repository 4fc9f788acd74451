// What the console's organizers and shops pages share about secrets: a new secret shown once (a warning, the
// secret, a copy button), a confirmation dialog, and a form that rotates or revokes a principal's secrets
// through the API (POST /v1/principals/{id}/rotation and /revocation; the staff action log records both).
import { api, byId, el, moment, problemText, t } from "./common.js";

// The secret a creation or a rotation answered: the API never shows it again (a replay answers null).
export function secretOnce(token) {
  if (!token) return el("p", { class: "hint" }, t("secret_once"), "：—");
  const code = el("code", { class: "id secret" }, token);
  const said = el("span", { class: "hint", role: "status" });
  const copy = el("button", { type: "button", class: "copy" }, t("copy_button"));
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(token);
      said.textContent = t("copied");
    } catch {
      getSelection().selectAllChildren(code); // the person copies the selection themselves
      said.textContent = t("copy_failed");
    }
  });
  return el("div", { class: "secret-once" },
    el("p", { class: "warning" }, t("secret_warning")),
    el("p", { class: "fact" }, el("span", {}, `${t("secret_once")}：`), code),
    el("p", { class: "buttons" }, copy, said));
}

// Resolves true only when the person confirms in the page's #confirm-dialog (admin/_confirm.html).
export function confirmed(title, text, yes) {
  const dialog = byId("confirm-dialog");
  byId("confirm-title").textContent = title;
  byId("confirm-text").textContent = text;
  byId("confirm-yes").textContent = yes;
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true }));
}

const STEPS = {
  rotate: {
    title: "rotate_confirm_title", text: "rotate_confirm_text", yes: "rotate_confirm_button", path: "rotation",
    shown: (done) => [el("p", { class: "ok" }, t("rotated_msg", { until: moment(done.previous_valid_until) })),
      secretOnce(done.token)],
  },
  revoke: {
    title: "revoke_confirm_title", text: "revoke_confirm_text", yes: "revoke_confirm_button", path: "revocation",
    shown: (done) => el("p", { class: "ok" }, t("revoked_msg", { n: done.revoked })),
  },
};

// A form with a principal (`principal_id`), a reason and two submit buttons (`action`: rotate or revoke);
// each asks for confirmation first. `nameOf(id)` names the principal in the dialog; `after()` reloads lists.
export function wireKeys(formId, { nameOf, after = async () => {} }) {
  const form = byId(formId);
  const box = byId(`${formId}-result`);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const step = STEPS[event.submitter?.value];
    if (!step) return;
    const id = form.elements.principal_id.value;
    const reason = form.elements.reason.value.trim();
    const name = nameOf(id);
    if (!(await confirmed(t(step.title), t(step.text, { name, reason }), t(step.yes)))) {
      box.replaceChildren(t("not_done"));
      return;
    }
    box.replaceChildren(t("loading"));
    try {
      const done = await api("POST", `/v1/principals/${encodeURIComponent(id)}/${step.path}`, { reason });
      box.replaceChildren(...[step.shown(done)].flat());
      form.elements.reason.value = "";
      await after();
    } catch (error) {
      box.replaceChildren(el("span", { class: "error" }, problemText(error)));
    }
  });
}

// Fills a <select> with choices ({id, name}), keeping what was chosen.
export function fillSelect(select, items, label = (item) => item.name) {
  const chosen = select.value;
  const options = items.map((item) => el("option", { value: item.id }, label(item)));
  select.replaceChildren(...(options.length ? options : [el("option", { value: "" }, t("none_to_choose"))]));
  if (chosen && items.some((item) => item.id === chosen)) select.value = chosen;
}
