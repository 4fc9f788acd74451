// Programs: the budgets with what was funded and granted, creating a program with its caps, and funding it.
// Organizers (created, granted programs, their secrets) have their own page, /admin/organizers.
import { api, byId, el, number, points, t } from "./common.js";
import { cells, fact, onSubmit, startAdmin } from "./admin.js";

async function budgets() {
  const found = await api("GET", "/v1/audit/budgets");
  const rows = found.items.map((b) =>
    cells([b.name, number(b.funded), number(b.drawn), number(b.budget_remaining), el("code", {}, b.id)], [1, 2, 3]),
  );
  byId("budgets").tBodies[0].replaceChildren(...rows);
  const choice = byId("funding-program");
  const chosen = choice.value;
  choice.replaceChildren(...found.items.map((b) => el("option", { value: b.id }, b.name)));
  if (chosen) choice.value = chosen;
}

// Handlers first, then the lists: a form sent before its handler is there would go as a plain GET.
startAdmin(async () => {
  onSubmit("program-form", async (body, key) => {
    const created = await api("POST", "/v1/programs", body, { key });
    await budgets();
    return [el("p", { class: "ok" }, t("program_created_msg")), fact(t("col_number"), created.id)];
  });
  onSubmit("funding-form", async (body, key) => {
    const path = `/v1/programs/${encodeURIComponent(body.program_id)}/funding`;
    await api("POST", path, { points: body.points }, { key });
    await budgets();
    return el("p", { class: "ok" }, t("funded_msg", { points: points(body.points) }));
  });
  await budgets();
});
