// Organizers: register one (its secret shown once), list them with the programs granted to each, grant a
// program or withdraw one (confirmed first), and rotate or revoke an organizer's secrets (confirmed first).
// Everything through the JSON API.
import { api, byId, el, problemText, t } from "./common.js";
import { cells, fact, onSubmit, startAdmin } from "./admin.js";
import { confirmed, fillSelect, secretOnce, wireKeys } from "./admin-keys.js";

let organizers = [];

function state(organizer) {
  return organizer.revoked
    ? el("span", { class: "bad" }, t("state_revoked"))
    : el("span", { class: "ok" }, t("state_active"));
}

async function load() {
  const [found, budgets] = await Promise.all([api("GET", "/v1/organizers"), api("GET", "/v1/audit/budgets")]);
  organizers = found.items;
  const rows = organizers.map((o) => {
    const programs = o.programs.length
      ? el("ul", { class: "granted" }, o.programs.map((p) => el("li", {}, p.name, " ", withdrawButton(o, p))))
      : t("organizer_no_programs");
    return cells([o.name, programs, state(o), el("code", { class: "id" }, o.id)]);
  });
  byId("organizers").tBodies[0].replaceChildren(...rows);
  byId("organizers-none").hidden = organizers.length > 0;
  fillSelect(byId("grant-organizer"), organizers);
  fillSelect(byId("keys-principal"), organizers);
  fillSelect(byId("grant-program"), budgets.items);
}

// "外す": the organizer makes no new event in the program from then on; its events made stay and run.
function withdrawButton(organizer, program) {
  const names = { organizer: organizer.name, program: program.name };
  const button = el("button", { type: "button", class: "small withdraw", "aria-label": t("withdraw_label", names) },
    t("withdraw_button"));
  button.addEventListener("click", async () => {
    const box = byId("organizers-result");
    if (!(await confirmed(t("withdraw_confirm_title"), t("withdraw_confirm_text", names), t("withdraw_button")))) {
      box.replaceChildren(t("not_done"));
      return;
    }
    box.replaceChildren(t("loading"));
    try {
      const path = `/v1/programs/${encodeURIComponent(program.id)}/organizers/${encodeURIComponent(organizer.id)}`;
      await api("DELETE", path);
      await load();
      box.replaceChildren(el("p", { class: "ok" }, t("withdrawn_msg", names)));
    } catch (error) {
      box.replaceChildren(el("span", { class: "error" }, problemText(error)));
    }
  });
  return button;
}

const nameOf = (id) => organizers.find((o) => o.id === id)?.name ?? id;

// Handlers first, then the lists: a form sent before its handler is there would go as a plain GET.
startAdmin(async () => {
  onSubmit("organizer-form", async (body, key) => {
    const created = await api("POST", "/v1/organizers", body, { key });
    await load();
    byId("grant-organizer").value = created.id;
    return [el("p", { class: "ok" }, t("organizer_created_msg")), fact(t("col_number"), created.id),
      secretOnce(created.token)];
  });
  onSubmit("grant-form", async (body, key) => {
    const path = `/v1/programs/${encodeURIComponent(body.program_id)}/organizers`;
    await api("POST", path, { organizer_id: body.organizer_id }, { key });
    const program = byId("grant-program").selectedOptions[0]?.textContent ?? body.program_id;
    await load();
    return el("p", { class: "ok" }, t("granted_msg", { organizer: nameOf(body.organizer_id), program }));
  });
  wireKeys("keys-form", { nameOf, after: load });
  await load();
});
