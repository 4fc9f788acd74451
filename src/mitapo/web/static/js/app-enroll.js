// The page an enrollment link opens: the code (after '#', or typed from the letter) registers this phone's
// passkey, and the server signs the phone in (a session cookie); then the resident's home opens.
import { api, byId, Problem, problemText, registerServiceWorker, t } from "./common.js";
import * as passkey from "./passkey.js";

registerServiceWorker();
// The code leaves the address bar at once; this tab alone keeps it, so switching the language keeps it too.
const kept = "mitapo.enrollment-code";
const code = new URLSearchParams(location.hash.slice(1)).get("code") || sessionStorage.getItem(kept);
if (code) {
  byId("enroll-code").value = code;
  sessionStorage.setItem(kept, code);
  history.replaceState(null, "", location.pathname + location.search);
}

byId("enroll-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = byId("enroll-error");
  error.textContent = "";
  if (!passkey.supported()) {
    error.textContent = t("passkey_unsupported");
    return;
  }
  const button = byId("enroll-button");
  button.disabled = true;
  try {
    const started = await api("POST", "/v1/enrollments/passkey-options", { code: byId("enroll-code").value });
    byId("enroll-for").textContent = t("enroll_for", { name: started.resident_name });
    const credential = await passkey.create(started.public_key);
    await api("POST", "/v1/enrollments/passkey", { challenge_id: started.challenge_id, credential });
    byId("enroll-for").textContent = t("enroll_done");
    sessionStorage.removeItem(kept);
    location.assign("/app");
  } catch (failure) {
    error.textContent = failure instanceof Problem ? problemText(failure) : t("passkey_cancelled");
  } finally {
    button.disabled = false;
  }
});
