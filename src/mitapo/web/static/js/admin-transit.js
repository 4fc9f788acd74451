// Transit: operators (whose reader key is shown once), their routes, and the fare rules in force.
import { api, byId, day, el, t, yen } from "./common.js";
import { cells, fact, onSubmit, startAdmin } from "./admin.js";

async function fares() {
  const found = await api("GET", "/v1/transit/fare-rules");
  const rows = found.items.map((rule) =>
    cells(
      [
        day(rule.effective_from),
        yen(rule.default_adult_fare),
        `${rule.reduced_percent}%`,
        t("transfer_rule", { off: yen(rule.transfer_discount), minutes: rule.transfer_window_minutes }),
        yen(rule.day_caps.adult),
      ],
      [1, 2, 3, 4],
    ),
  );
  byId("fares").tBodies[0].replaceChildren(...rows);
  const current = found.items.at(-1);
  if (current && !byId("fare-adult").value) {
    const fill = { "fare-adult": current.default_adult_fare, "fare-reduced": current.reduced_percent,
      "fare-round": current.round_to, "fare-transfer": current.transfer_discount,
      "fare-window": current.transfer_window_minutes, "cap-adult": current.day_caps.adult,
      "cap-child": current.day_caps.child, "cap-concession": current.day_caps.concession };
    for (const [id, value] of Object.entries(fill)) byId(id).value = value;
  }
}

startAdmin(async () => {
  await fares();
  onSubmit("operator-form", async (body, key) => {
    const created = await api("POST", "/v1/transit/operators", body, { key });
    byId("route-operator").value = created.id;
    return [
      el("p", { class: "ok" }, t("operator_created_msg")),
      fact(t("operator_number"), created.id),
      fact(t("secret_once"), created.api_key ?? "—"),
    ];
  });
  onSubmit("route-form", async (body, key) => {
    const created = await api("POST", "/v1/transit/routes", body, { key });
    return [el("p", { class: "ok" }, t("route_created_msg")), fact(t("col_number"), created.id)];
  });
  onSubmit("fare-form", async (body, key) => {
    await api("POST", "/v1/transit/fare-rules", body, { key });
    await fares();
    return el("p", { class: "ok" }, t("fare_created_msg"));
  });
});
