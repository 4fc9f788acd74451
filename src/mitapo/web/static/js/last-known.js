// The last balance this browser saw, for an offline start: shown at once, marked with when it was true, and
// replaced as soon as the server answers. Kept under a digest of the secret, so that another person signing
// in on the same browser never sees it; a resident's page has no secret (its session cookie is this browser's
// own), so it keeps one, which signing out or a refused session forgets (common.js, forgetLastKnown).
import { secret } from "./common.js";

async function storeKey() {
  const current = secret();
  if (!current) return "mitapo.last.session";
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(current));
  const hex = Array.from(new Uint8Array(digest).slice(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
  return `mitapo.last.${hex}`;
}

export async function remember(me) {
  const key = await storeKey();
  if (key) localStorage.setItem(key, JSON.stringify({ me, at: new Date().toISOString() }));
}

export async function lastKnown() {
  const key = await storeKey();
  if (!key) return null;
  try {
    return JSON.parse(localStorage.getItem(key) || "null");
  } catch {
    return null;
  }
}
