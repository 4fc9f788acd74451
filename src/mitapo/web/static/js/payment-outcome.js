// After a payment's answer is lost, the app asks the server what happened to that attempt (its
// Idempotency-Key) before it says anything: a payment that went through is shown as paid, never as an error.
import { api, Problem } from "./common.js";

const ASKS = 4;
const PAUSE_MS = 1500;

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// "paid" with the payment, "unknown" (nothing was written under the key: sending it again pays at most once),
// or "unreachable" when the server could not be asked at all.
export async function askAttempt(key) {
  let outcome = { status: "unreachable", payment: null };
  for (let ask = 0; ask < ASKS; ask += 1) {
    if (ask) await pause(PAUSE_MS);
    try {
      outcome = await api("GET", `/v1/me/payment-attempt?idempotency_key=${encodeURIComponent(key)}`);
      if (outcome.status === "paid") return outcome;
    } catch (error) {
      if (error instanceof Problem && error.status && error.status < 500) throw error;
    }
  }
  return outcome;
}

// An answer that may have been lost on the way back: the connection broke, or a proxy answered instead.
export function answerLost(error) {
  return error instanceof Problem && (error.status === 0 || error.status >= 500);
}
