import { api, byId, t } from "./common.js";
import { startResident, statementLine } from "./resident.js";

let cursor = null;

async function more() {
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : "";
  const page = await api("GET", `/v1/me/entries${query}`);
  byId("statement").append(...page.items.map(statementLine));
  if (!byId("statement").children.length) byId("statement").append(t("nothing_yet"));
  cursor = page.next_cursor;
  byId("more").hidden = !cursor;
}

startResident(async () => {
  byId("more").addEventListener("click", more);
  await more();
});
