// What every page shares: its words, the signed-in secret, calls to the API, and small helpers to write
// results into the page (always as text, never as HTML).
//
// The resident's pages keep no secret at all: they sign in with a passkey, and the server's session cookie
// (HttpOnly, so no script here can read it) goes with every call; a city's old sign-in link (#secret=) is
// exchanged for such a session once and forgotten. The other faces keep their secret in localStorage.
import * as passkey from "./passkey.js";

const words = JSON.parse(document.getElementById("messages").textContent);
export const lang = document.documentElement.lang;
const face = document.body.dataset.face;
const storeKey = `mitapo.secret.${face}`;
const cookieFace = face === "resident";

export function t(key, values = {}) {
  let text = words[key] ?? key;
  for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

const numbers = new Intl.NumberFormat(lang === "ja" ? "ja-JP" : "en-US");
export const number = (n) => numbers.format(n);
export const points = (n) => t("unit_points", { n: number(n) });
export const yen = (n) => t("unit_yen", { n: number(n) });
// A resident's short number as people read it: two halves of four ("1234-5678").
export const residentNumber = (n) => (n ? `${n.slice(0, 4)}-${n.slice(4)}` : "");

const locale = lang === "ja" ? "ja-JP" : "en-GB";
const tokyo = { timeZone: "Asia/Tokyo" };
export const day = (iso) =>
  new Date(iso.length === 10 ? `${iso}T00:00:00+09:00` : iso).toLocaleDateString(locale, { ...tokyo, dateStyle: "medium" });
export const moment = (iso) =>
  new Date(iso).toLocaleString(locale, { ...tokyo, dateStyle: "short", timeStyle: "short" });
export const clock = (iso) => new Date(iso).toLocaleTimeString(locale, { ...tokyo, timeStyle: "short" });

// One Idempotency-Key per intent: a retry of the same intent sends the same key, so it never pays twice.
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// The key for an attempt: the same while the person retries the same thing after an error, a new one once
// it went through or they changed what they asked for.
export class Intent {
  #body = null;
  #key = null;

  keyFor(body) {
    const text = JSON.stringify(body);
    if (text !== this.#body) [this.#body, this.#key] = [text, newKey()];
    return this.#key;
  }

  done() {
    this.#body = null;
  }
}

export class Problem extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code || (status === 0 ? "network" : "generic");
  }
}

export function secret() {
  return cookieFace ? null : localStorage.getItem(storeKey);
}

export async function api(method, path, body, { key, accept = "application/json" } = {}) {
  const headers = { Accept: accept };
  const current = secret();
  if (current) headers.Authorization = `Bearer ${current}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method === "POST") headers["Idempotency-Key"] = key || newKey();
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new Problem(0, null);
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.blob();
  if (!response.ok) throw new Problem(response.status, data);
  return data;
}

// The words for an API's refusal: a page's own words for its code first (`${own}_${code}`, where a page says
// it better for its reader), else the common ones.
export function problemText(error, own = null) {
  for (const key of [own && `${own}_${error.code}`, `error_${error.code}`]) if (key && key in words) return t(key);
  return error instanceof Problem && error.status ? t("error_generic") : t("error_network");
}

// A QR image drawn by the server for a code only the signed-in person may see: fetched with the secret.
export async function showCode(img, path) {
  const picture = await api("GET", path, undefined, { accept: "image/svg+xml" });
  const previous = img.dataset.url;
  img.dataset.url = URL.createObjectURL(picture);
  img.src = img.dataset.url;
  if (previous) URL.revokeObjectURL(previous);
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const byId = (id) => document.getElementById(id);

export function say(text) {
  const toast = byId("toast");
  toast.textContent = text;
}

// Keeps the screen on while a code is shown, where the browser allows it.
export async function keepAwake() {
  try {
    await navigator.wakeLock?.request("screen");
  } catch {
    /* not allowed here: the screen may dim, nothing else changes */
  }
}

async function takeSecretFromLink() {
  // A sign-in link (a QR code on the city's letter) carries the secret after '#', which never reaches a server.
  const found = new URLSearchParams(location.hash.slice(1)).get("secret");
  if (!found) return;
  history.replaceState(null, "", location.pathname + location.search);
  if (!cookieFace) {
    localStorage.setItem(storeKey, found.trim());
    return;
  }
  // A resident's token is shown once to open a session (a cookie), then kept nowhere.
  await fetch("/v1/sessions", { method: "POST", headers: { Authorization: `Bearer ${found.trim()}` } }).catch(() => {});
}

async function signInWithPasskey() {
  const error = byId("signin-error");
  if (!passkey.supported()) {
    error.textContent = t("passkey_unsupported");
    return false;
  }
  try {
    const started = await api("POST", "/v1/sessions/passkey-options");
    const credential = await passkey.get(started.public_key);
    await api("POST", "/v1/sessions/passkey", { challenge_id: started.challenge_id, credential });
    return true;
  } catch (failure) {
    error.textContent = failure instanceof Problem ? problemText(failure) : t("passkey_cancelled");
    return false;
  }
}

// The last balance kept for an offline start (last-known.js) goes with the person who signs out or is refused.
function forgetLastKnown() {
  for (const key of Object.keys(localStorage)) if (key.startsWith("mitapo.last.")) localStorage.removeItem(key);
}

// Runs `main` once the person is signed in; `probe` is a cheap call that a valid secret of this face passes.
export async function start(probe, main) {
  await takeSecretFromLink();
  const signin = byId("signin");
  const content = byId("content");
  const signOut = byId("sign-out");
  signOut.addEventListener("click", async () => {
    forgetLastKnown();
    if (cookieFace) await api("DELETE", "/v1/me/session").catch(() => {});
    else localStorage.removeItem(storeKey);
    location.reload();
  });

  async function open() {
    try {
      const first = await probe();
      signin.hidden = true;
      content.hidden = false;
      signOut.hidden = false;
      await main(first);
    } catch (error) {
      if (error instanceof Problem && (error.status === 401 || error.status === 403)) {
        if (cookieFace) {
          forgetLastKnown();
          askToSignIn(error.code === "credential_revoked" ? problemText(error) : "");
          return;
        }
        localStorage.removeItem(storeKey);
        askToSignIn(t("signin_failed"));
      } else {
        say(problemText(error));
        throw error;
      }
    }
  }

  function askToSignIn(message = "") {
    content.hidden = true;
    signin.hidden = false;
    byId("signin-error").textContent = message;
    (byId("secret") || byId("passkey-signin")).focus();
  }

  if (cookieFace) {
    byId("passkey-signin").addEventListener("click", async () => {
      if (await signInWithPasskey()) open();
    });
    open(); // the session cookie is invisible to this script: asking is how to know
    return;
  }

  byId("signin-form").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(storeKey, byId("secret").value.trim());
    byId("secret").value = "";
    open();
  });

  if (secret()) open();
  else askToSignIn();
}

export function registerServiceWorker() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/app/sw.js", { scope: "/app" }).catch(() => {});
}
