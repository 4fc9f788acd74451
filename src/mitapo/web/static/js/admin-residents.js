// Residents at the counter: enrol one; for a resident, print the enrollment letter (its QR enrols a phone),
// stop a lost phone (confirmed in a dialog), issue or replace a みたポ card with the PIN the resident types,
// unlock a card; top up money paid in cash (channel "counter", with the receipt's number as the reference, so
// a receipt is credited once), close an account.
import { api, byId, el, problemText, say, t, yen } from "./common.js";
import { fact, onSubmit, startAdmin } from "./admin.js";

function enrolled(created) {
  const link = `${location.origin}/app#secret=${created.token}`;
  return [
    el("p", { class: "ok" }, t("enrolled_msg")),
    fact(t("resident_number"), created.id),
    fact(t("signin_link"), link),
    el("p", { class: "hint" }, t("signin_link_hint")),
  ];
}

class NoResident extends Error {}

// The resident the counter's procedures are for: the one field above them.
function residentPath(rest) {
  const field = byId("counter-resident");
  const id = field.value.trim();
  if (!id) {
    field.focus();
    throw new NoResident();
  }
  return `/v1/residents/${encodeURIComponent(id)}${rest}`;
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
    const path = residentPath("/enrollments/letter");
    const url = await openPrintable(() => api("POST", path, undefined, { key, accept: "text/html" }));
    return [el("p", { class: "ok" }, t("letter_opened")), el("a", { href: url, target: "_blank" }, t("letter_link"))];
  }));
  onSubmit("lost-form", guarded(async (body, key) => {
    const path = residentPath("/revocation");
    if (!(await confirmLost(body.reason))) return t("lost_not_done");
    const done = await api("POST", path, { reason: body.reason }, { key });
    return el("p", { class: "ok" }, t("lost_done", { n: done.revoked }));
  }));
  onSubmit("card-form", guarded(async (body, key) => {
    const card = await api("POST", residentPath("/cards"), { pin: body.pin }, { key });
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
  onSubmit("enrol-form", async (body, key) => enrolled(await api("POST", "/v1/residents", body, { key })));
  onSubmit("topup-form", async (body, key) => {
    const done = await api("POST", "/v1/topups", { ...body, channel: "counter" }, { key });
    return el("p", { class: "ok" }, t("topped_up_msg", { amount: yen(body.amount), money: yen(done.money) }));
  });
  onSubmit("close-form", async (body, key) => {
    const path = `/v1/residents/${encodeURIComponent(body.resident_id)}/closure`;
    const done = await api("POST", path, { channel: "counter" }, { key });
    return el("p", { class: "ok" }, t("closed_msg", { money: yen(done.money_paid) }));
  });
}, { clerkAllowed: true });
