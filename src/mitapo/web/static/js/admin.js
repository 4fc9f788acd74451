// What the staff console's pages share: signing in with a staff secret, forms that call the API (one
// Idempotency-Key per intent, so a retry after a lost answer never writes twice), results written as text,
// and downloads that need the secret in the Authorization header.
import { Intent, Problem, api, byId, el, problemText, secret, start, t } from "./common.js";

// Signs in with any staff secret the console serves (admin or counter clerk). A clerk is offered only the
// counter's areas (`clerkAllowed`: the residents page); the rest, and parts marked `data-role="admin"`, show as
// not permitted. Hiding is only for clarity: the API itself answers a clerk 403 there.
export function startAdmin(main, { clerkAllowed = false } = {}) {
  start(() => api("GET", "/v1/staff/me"), async (me) => {
    if (me.role === "admin") return main(me);
    limitTo(me.role, clerkAllowed);
    if (clerkAllowed) return main(me);
  });
}

function limitTo(role, allowed) {
  for (const link of document.querySelectorAll("nav.tabs a")) {
    if (new URL(link.href).pathname !== "/admin") link.parentElement.hidden = true;
  }
  for (const part of document.querySelectorAll("[data-role]")) {
    if (part.dataset.role !== role) part.hidden = true;
  }
  if (allowed) return;
  byId("content").replaceChildren(el("section", { class: "card" }, el("h1", {}, t("not_permitted_title")),
    el("p", {}, t("not_permitted_text")), el("p", {}, el("a", { href: "/admin" }, t("nav_admin_residents")))));
}

// The form's fields as the API's body: numbers as numbers, empty fields left out, "a.b" names nested.
export function values(form) {
  const body = {};
  for (const field of form.elements) {
    if (!field.name || field.disabled || field.type === "submit" || field.type === "button") continue;
    if (field.type === "checkbox") continue;
    const text = field.value.trim();
    if (text === "") continue;
    const value = field.type === "number" ? Number(text) : text;
    const path = field.name.split(".");
    let target = body;
    for (const part of path.slice(0, -1)) target = target[part] ??= {};
    target[path.at(-1)] = value;
  }
  return body;
}

// Runs `run(body, key)` when the form is sent; what it returns (text or nodes) goes into `#<form>-result`.
export function onSubmit(formId, run) {
  const form = byId(formId);
  const box = byId(`${formId}-result`);
  const intent = new Intent();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = values(form);
    box.replaceChildren(t("loading"));
    try {
      const shown = await run(body, intent.keyFor([formId, body]));
      intent.done();
      box.replaceChildren(...[shown].flat());
    } catch (error) {
      box.replaceChildren(el("span", { class: "error" }, problemText(error)));
    }
  });
}

// A result line: a label and a value the clerk may copy.
export function fact(label, value) {
  return el("p", { class: "fact" }, el("span", {}, `${label}：`), el("code", { class: "id" }, value));
}

// Files that need the secret (the payout files): fetched, then handed to the browser to save.
export async function download(path, file) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${secret()}` } });
  } catch {
    throw new Problem(0, null);
  }
  if (!response.ok) throw new Problem(response.status, await response.json().catch(() => null));
  const saved = URL.createObjectURL(await response.blob());
  const link = el("a", { href: saved, download: file });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(saved), 60_000);
  return t("downloaded", { file });
}

export function cells(values, numeric = []) {
  return el("tr", {}, values.map((value, i) => el("td", { class: numeric.includes(i) ? "num" : null }, value)));
}
