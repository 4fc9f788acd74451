// Residents at the counter: find one by name or number and choose them; enrol one; for a resident, print the
// enrollment letter (its QR enrols a phone), stop a lost phone (confirmed in a dialog), issue or replace a
// みたポ card with the PIN the resident types, unlock a card; top up money paid in cash (channel "counter",
// with the receipt's number as the reference, so a receipt is credited once), close an account. Where a
// resident is asked for, their short number (as they say it) or their id both work.
import { api, byId, el, problemText, residentNumber, say, t, yen } from "./common.js";
import { fact, onSubmit, startAdmin } from "./admin.js";

const RESIDENT_FIELDS = ["counter-resident", "topup-resident", "close-resident"];

function enrolled(created) {
  const link = `${location.origin}/app#secret=${created.token}`;
  choose({ id: created.id, number: created.number, name: byId("enrol-name").value.trim() });
  return [
    el("p", { class: "ok" }, t("enrolled_msg")),
    fact(t("resident_id"), created.id),
    fact(t("signin_link"), link),
    el("p", { class: "hint" }, t("signin_link_hint")),
    fact(t("resident_short_number"), residentNumber(created.number)),
  ];
}

class NoResident extends Error {}
class UnknownNumber extends Error {}

// Digits, full-width or not, with spaces or dashes: a resident's number; anything else is an id.
const NUMBER_TYPED = /^[0-9０-９\s\-－‐ー]+$/;

// The id of the resident typed into a field: a number is looked up (the one resident holding it).
async function residentId(field) {
  const typed = field.value.trim();
  if (!typed) {
    field.focus();
    throw new NoResident();
  }
  if (!NUMBER_TYPED.test(typed)) return typed;
  const digits = typed.normalize("NFKC").replace(/[\s\-‐ー]/g, "");
  const found = await api("GET", `/v1/residents?q=${encodeURIComponent(digits)}`);
  const match = found.items.find((resident) => resident.number === digits);
  if (!match) throw new UnknownNumber();
  return match.id;
}

// The resident the counter's procedures are for: the one field above them.
async function residentPath(rest) {
  const id = await residentId(byId("counter-resident"));
  return `/v1/residents/${encodeURIComponent(id)}${rest}`;
}

// A resident chosen from the search (or just enrolled): every procedure below is for them.
function choose(resident) {
  for (const id of RESIDENT_FIELDS) byId(id).value = residentNumber(resident.number);
  if (resident.card?.status === "locked") byId("unlock-card").value = resident.card.card_number;
  const chosen = byId("chosen");
  chosen.replaceChildren(t("chosen_resident"), el("strong", {}, resident.name), " ",
    el("span", { class: "num" }, residentNumber(resident.number)));
  chosen.hidden = false;
}

function stateOf(resident) {
  const parts = [];
  if (resident.closed_at) parts.push(t("resident_closed"));
  parts.push(t("resident_phones", { n: resident.passkeys }));
  const card = resident.card;
  parts.push(card ? t(card.status === "locked" ? "resident_card_locked" : "resident_card_active") : t("resident_no_card"));
  return parts.join(" · ");
}

function foundList(found) {
  if (found.items.length === 0) return el("p", {}, t("find_none"));
  const list = el("ul", { class: "found" }, found.items.map((resident) => {
    const pick = el("button", { type: "button", "data-number": resident.number },
      el("span", { class: "who" }, resident.name),
      el("span", { class: "num" }, residentNumber(resident.number)),
      el("span", { class: "state" }, stateOf(resident)));
    pick.addEventListener("click", () => {
      choose(resident);
      byId("counter-title").scrollIntoView({ block: "start" });
    });
    return el("li", {}, pick);
  }));
  const shown = [el("p", {}, t("find_count", { n: found.items.length })), list];
  if (found.more) shown.push(el("p", { class: "hint" }, t("find_more")));
  return shown;
}

// Printable pages the API answers as HTML to a staff secret (the letter, a card's face): the tab is opened
// while the click still counts as the clerk's (so no popup blocker stops it), then shown the fetched page.
async function openPrintable(fetchPage) {
  const tab = window.open("", "_blank");
  try {
    const page = await fetchPage();
    const url = URL.createObjectURL(new Blob([page], { type: "text/html" }));
    if (tab) tab.location.href = url;
    return url;
  } catch (error) {
    tab?.close();
    throw error;
  }
}

function guarded(run) {
  return async (body, key) => {
    try {
      return await run(body, key);
    } catch (error) {
      if (error instanceof NoResident) return el("span", { class: "error" }, t("need_resident"));
      if (error instanceof UnknownNumber) return el("span", { class: "error" }, t("unknown_number"));
      throw error;
    }
  };
}

function confirmLost(reason) {
  const dialog = byId("lost-dialog");
  const resident = byId("counter-resident").value.trim();
  byId("lost-confirm-text").textContent = t("lost_confirm_text", { resident, reason });
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true }));
}

function cardIssued(card) {
  const face = el("button", { type: "button" }, t("card_face_button"));
  const path = `/v1/cards/${encodeURIComponent(card.card_number)}/face`;
  face.addEventListener("click", () =>
    openPrintable(() => api("GET", path, undefined, { accept: "text/html" })).catch((error) => say(problemText(error))),
  );
  return [el("p", { class: "ok" }, t("card_issued")), fact(t("card_number"), card.card_number), face];
}

function counterForms() {
  onSubmit("letter-form", guarded(async (body, key) => {
    const path = await residentPath("/enrollments/letter");
    const url = await openPrintable(() => api("POST", path, undefined, { key, accept: "text/html" }));
    return [el("p", { class: "ok" }, t("letter_opened")), el("a", { href: url, target: "_blank" }, t("letter_link"))];
  }));
  onSubmit("lost-form", guarded(async (body, key) => {
    const path = await residentPath("/revocation");
    if (!(await confirmLost(body.reason))) return t("lost_not_done");
    const done = await api("POST", path, { reason: body.reason }, { key });
    return el("p", { class: "ok" }, t("lost_done", { n: done.revoked }));
  }));
  onSubmit("card-form", guarded(async (body, key) => {
    const card = await api("POST", await residentPath("/cards"), { pin: body.pin }, { key });
    byId("card-pin").value = "";
    return cardIssued(card);
  }));
  onSubmit("unlock-form", async (body) => {
    const path = `/v1/cards/${encodeURIComponent(body.card_number.replace(/\s/g, ""))}/unlock`;
    const card = await api("POST", path);
    return el("p", { class: "ok" }, t("unlock_done", { card: card.card_number, status: card.status }));
  });
}

startAdmin(async () => {
  counterForms();
  onSubmit("find-form", async (body) => foundList(await api("GET", `/v1/residents?q=${encodeURIComponent(body.q)}`)));
  onSubmit("enrol-form", async (body, key) => enrolled(await api("POST", "/v1/residents", body, { key })));
  onSubmit("topup-form", guarded(async (body, key) => {
    const resident_id = await residentId(byId("topup-resident"));
    const done = await api("POST", "/v1/topups", { ...body, resident_id, channel: "counter" }, { key });
    return el("p", { class: "ok" }, t("topped_up_msg", { amount: yen(body.amount), money: yen(done.money) }));
  }));
  onSubmit("close-form", guarded(async (body, key) => {
    const path = `/v1/residents/${encodeURIComponent(await residentId(byId("close-resident")))}/closure`;
    const done = await api("POST", path, { channel: "counter" }, { key });
    return el("p", { class: "ok" }, t("closed_msg", { money: yen(done.money_paid) }));
  }));
}, { clerkAllowed: true });
