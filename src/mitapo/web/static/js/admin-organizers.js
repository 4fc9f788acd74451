// Organizers: register one (its secret shown once), list them with the programs granted to each, grant a
// program, and rotate or revoke an organizer's secrets (confirmed first). Everything through the JSON API.
import { api, byId, el, t } from "./common.js";
import { cells, fact, onSubmit, startAdmin } from "./admin.js";
import { fillSelect, secretOnce, wireKeys } from "./admin-keys.js";

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
    const programs = o.programs.length ? o.programs.map((p) => p.name).join("、") : t("organizer_no_programs");
    return cells([o.name, programs, state(o), el("code", { class: "id" }, o.id)]);
  });
  byId("organizers").tBodies[0].replaceChildren(...rows);
  byId("organizers-none").hidden = organizers.length > 0;
  fillSelect(byId("grant-organizer"), organizers);
  fillSelect(byId("keys-principal"), organizers);
  fillSelect(byId("grant-program"), budgets.items);
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
