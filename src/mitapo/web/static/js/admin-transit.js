// Transit: operators (whose key is shown once), their routes, the fare rules in force, and the readers on
// the buses with their Ed25519 public keys: registered, listed, and revoked (confirmed first).
import { api, byId, day, el, t, yen } from "./common.js";
import { cells, fact, onSubmit, startAdmin } from "./admin.js";
import { confirmed, fillSelect, secretOnce, wireKeys } from "./admin-keys.js";

let readers = [];
let operators = [];

async function operatorsAndReaders() {
  const [listed, found] = await Promise.all([api("GET", "/v1/transit/operators"), api("GET", "/v1/transit/readers")]);
  [operators, readers] = [listed.items, found.items];
  fillSelect(byId("reader-operator"), operators);
  fillSelect(byId("keys-principal"), operators);
  const rows = readers.map((r) => cells([
    r.name, r.operator_name,
    r.revoked_at ? el("span", { class: "bad" }, t("state_revoked")) : el("span", { class: "ok" }, t("state_active")),
    day(r.created_at), el("code", {}, r.public_key), el("code", { class: "id" }, r.id),
  ]));
  byId("readers").tBodies[0].replaceChildren(...rows);
  byId("readers-none").hidden = readers.length > 0;
  fillSelect(byId("reader-revoke-pick"), readers.filter((r) => !r.revoked_at), (r) => `${r.name}（${r.operator_name}）`);
}

function readerForms() {
  onSubmit("reader-form", async (body, key) => {
    const created = await api("POST", "/v1/transit/readers", body, { key });
    await operatorsAndReaders();
    return [el("p", { class: "ok" }, t("reader_registered_msg", { name: created.name })), fact(t("col_number"), created.id)];
  });
  onSubmit("reader-revoke-form", async (body, key) => {
    const name = readers.find((r) => r.id === body.reader_id)?.name ?? body.reader_id;
    const text = t("reader_revoke_confirm_text", { name, reason: body.reason });
    if (!(await confirmed(t("revoke_confirm_title"), text, t("revoke_confirm_button")))) return t("not_done");
    const path = `/v1/transit/readers/${encodeURIComponent(body.reader_id)}/revocation`;
    await api("POST", path, { reason: body.reason }, { key });
    byId("reader-revoke-reason").value = "";
    await operatorsAndReaders();
    return el("p", { class: "ok" }, t("reader_revoked_msg"));
  });
}

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

// Handlers first, then the lists: a form sent before its handler is there would go as a plain GET.
startAdmin(async () => {
  readerForms();
  wireKeys("keys-form", { nameOf: (id) => operators.find((o) => o.id === id)?.name ?? id });
  onSubmit("operator-form", async (body, key) => {
    const created = await api("POST", "/v1/transit/operators", body, { key });
    byId("route-operator").value = created.id;
    await operatorsAndReaders();
    byId("reader-operator").value = created.id;
    return [
      el("p", { class: "ok" }, t("operator_created_msg")),
      fact(t("operator_number"), created.id),
      secretOnce(created.api_key),
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
  await Promise.all([fares(), operatorsAndReaders()]);
});
