// The staff action log: who did what to whom, when and why, newest first, in words; narrowed by the kind of
// action, the staff member and the days. It reads GET /v1/audit/staff-actions, as an auditor's tool could.
import { api, byId, el, moment, number, t } from "./common.js";
import { cells, onSubmit, startAdmin } from "./admin.js";

const PAGE = 50;
let query = {};
let older = null; // the cursor of the next, older page

// A principal as a person reads it: the name the city gave it, with its number; `cli` is the server's own
// command line.
function who(id, name) {
  if (id === "cli") return t("staff_log_cli");
  return name ? `${name}（${id}）` : id;
}

// The action in words. An action this page does not know yet is still shown, as its code.
function sentence(item) {
  const key = `staff_said_${item.action.replace(".", "_")}`;
  const values = { actor: who(item.actor, item.actor_name), subject: who(item.subject, item.subject_name), action: item.action };
  return t(key) === key ? t("staff_said_other", values) : t(key, values);
}

async function show(more = false) {
  const params = new URLSearchParams({ limit: String(PAGE), before_id: String(more && older ? older : Number.MAX_SAFE_INTEGER), ...query });
  const page = await api("GET", `/v1/audit/staff-actions?${params}`);
  const rows = page.items.map((item) => {
    const said = el("td", {}, el("span", {}, sentence(item)));
    if (item.reason) said.append(el("br"), el("span", { class: "hint" }, t("staff_log_reason_said", { reason: item.reason })));
    return el("tr", {}, el("td", {}, moment(item.at)), said);
  });
  const body = byId("log").tBodies[0];
  if (more) body.append(...rows);
  else body.replaceChildren(...(rows.length ? rows : [cells([t("nothing_yet"), ""])]));
  older = page.next_before_id;
  byId("log-more").hidden = !older;
  return t("staff_log_shown", { n: number(body.rows.length) });
}

// Handlers first, then the lists: a form sent before its handler is there would go as a plain GET.
startAdmin(async () => {
  onSubmit("log-form", async (body) => {
    query = body;
    return show();
  });
  byId("log-more").addEventListener("click", () => show(true));
  await show();
});
