import { api, byId, keepAwake, problemText, say, showCode, t } from "./common.js";
import { startResident } from "./resident.js";

const RENEW_BEFORE_MS = 15_000; // a fresh code well before the shown one runs out
let expiresAt = 0;
let renewal = null;

async function renew() {
  clearTimeout(renewal);
  const funding = byId("funding").value;
  try {
    // The picture is its own fresh code; its validity matches the one just issued to read `expires_at`.
    const issued = await api("GET", `/v1/me/pay-code?funding=${funding}`);
    await showCode(byId("paycode"), `/v1/me/pay-code?format=svg&funding=${funding}`);
    expiresAt = Date.parse(issued.expires_at);
  } catch (error) {
    say(problemText(error));
  }
  renewal = setTimeout(renew, Math.max(5_000, expiresAt - Date.now() - RENEW_BEFORE_MS));
}

function countdown() {
  const seconds = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
  byId("paycode-valid").textContent = t("paycode_valid", { s: seconds });
}

startResident(async () => {
  byId("paycode-form").addEventListener("submit", (event) => {
    event.preventDefault();
    renew();
  });
  keepAwake();
  await renew();
  setInterval(countdown, 1000);
  countdown();
});
