// Giving without typing ids: scan the other resident's "受け取る" code (camera or photo), see their name as the
// city holds it, choose the points and confirm. Typing their short number works the same way: the name is
// shown before anything is given. And show one's own code and number.
import { api, byId, Intent, keepAwake, moment, points, problemText, residentNumber, showCode, t } from "./common.js";
import { startResident } from "./resident.js";
import { readPhoto, watchCamera } from "./scanner.js";

const intent = new Intent();
let target = null; // {receive_code} or {to_resident_number}, and the name shown
let camera = null;

function result(text) {
  byId("gift-result").textContent = text;
}

async function balance() {
  const me = await api("GET", "/v1/me");
  byId("gift-balance").textContent = `${t("points")}: ${points(me.balances.points)}`;
  byId("my-number").textContent = residentNumber(me.number);
  byId("my-number-line").hidden = !me.number;
}

function confirmTo(body, label) {
  target = body;
  byId("gift-to").textContent = t("give_to", { name: label });
  byId("gift-form").hidden = false;
  byId("gift-points").focus();
}

async function useCode(code) {
  const payload = code.trim();
  try {
    const seen = await api("POST", "/v1/gift-previews", { receive_code: payload });
    if (seen.is_self) return result(t("give_not_self"));
    result("");
    confirmTo({ receive_code: payload }, seen.name);
  } catch (error) {
    result(problemText(error));
  }
}

// A number typed as the friend said it (full-width, with a dash or not): the server checks its check digit
// and answers the name, which the giver confirms before giving.
async function useNumber(event) {
  event.preventDefault();
  const typed = byId("to-number").value.trim();
  if (!typed) return;
  try {
    const seen = await api("POST", "/v1/gift-previews", { to_resident_number: typed });
    if (seen.is_self) return result(t("give_not_self_number"));
    result("");
    confirmTo({ to_resident_number: typed }, seen.name);
  } catch (error) {
    result(problemText(error));
  }
}

function stopCamera() {
  camera?.stop();
  camera = null;
  byId("gift-viewfinder").hidden = true;
  byId("gift-camera-stop").hidden = true;
  byId("gift-camera").hidden = false;
}

async function startCamera() {
  byId("gift-viewfinder").hidden = false;
  byId("gift-camera").hidden = true;
  byId("gift-camera-stop").hidden = false;
  camera = watchCamera(byId("gift-video"));
  try {
    const code = await camera.found;
    stopCamera();
    if (code) await useCode(code);
  } catch {
    stopCamera();
    result(t("camera_unavailable"));
  }
}

async function give(event) {
  event.preventDefault();
  const body = { ...target, points: Number(byId("gift-points").value) };
  byId("gift-button").disabled = true;
  try {
    await api("POST", "/v1/gifts", body, { key: intent.keyFor(body) });
    intent.done();
    byId("gift-form").hidden = true;
    result(`${byId("gift-to").textContent}: ${t("gifted", { points: points(body.points) })}`);
    await balance();
  } catch (error) {
    result(problemText(error));
  } finally {
    byId("gift-button").disabled = false;
  }
}

async function showReceive() {
  const issued = await api("GET", "/v1/me/receive-code");
  await showCode(byId("receive-code"), "/v1/me/receive-code?format=svg");
  byId("receive-code").hidden = false;
  byId("receive-valid").textContent = t("receive_valid", { time: moment(issued.expires_at) });
  keepAwake();
}

startResident(async () => {
  byId("gift-camera").addEventListener("click", startCamera);
  byId("gift-camera-stop").addEventListener("click", stopCamera);
  if (!navigator.mediaDevices?.getUserMedia) byId("gift-camera").hidden = true;
  byId("gift-photo").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (!file) return;
    const code = await readPhoto(file).catch(() => null);
    event.target.value = "";
    if (code) await useCode(code);
    else result(t("no_code_in_photo"));
  });
  byId("number-form").addEventListener("submit", useNumber);
  byId("use-code-text").addEventListener("click", () => {
    const text = byId("receive-text").value.trim();
    if (text) return useCode(text);
  });
  byId("gift-form").addEventListener("submit", give);
  byId("gift-cancel").addEventListener("click", () => {
    target = null;
    byId("gift-form").hidden = true;
  });
  byId("show-receive").addEventListener("click", () => showReceive().catch((error) => result(problemText(error))));
  const passed = new URLSearchParams(location.hash.slice(1)).get("receive"); // scanned on the scan screen
  if (passed) {
    history.replaceState(null, "", location.pathname + location.search);
    await useCode(passed);
  }
  await balance();
});
