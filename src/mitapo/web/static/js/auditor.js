// What the auditor's pages share: signing in with an auditor's (or admin's) secret, and tables.
import { api, el, start } from "./common.js";

export function startAuditor(main) {
  start(() => api("GET", "/v1/audit/budgets"), main);
}

export function cells(values, numeric = []) {
  return el("tr", {}, values.map((value, i) => el("td", { class: numeric.includes(i) ? "num" : null }, value)));
}

export function shortHash(hash) {
  return hash ? `${hash.slice(0, 12)}…` : "—";
}
