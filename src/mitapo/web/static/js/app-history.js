// The resident's history, a month at a time: each line says what happened and with whom, points and money
// apart, and opens to its details (shop, slip number, event, entry id for an auditor's trail). A year of it
// downloads as CSV.
import { api, byId, el, lang, points, problemText, secret, t, yen } from "./common.js";
import { historyLine, signed, startResident } from "./resident.js";

// The months to choose from, newest first, named in the page's language (2026年12月): a list rather than the
// browser's month field, which speaks the browser's language and which some browsers do not have at all.
const MONTHS_OFFERED = 36;

function lastMonths(now, count) {
  const [year, month] = now.split("-").map(Number);
  return Array.from({ length: count }, (_, back) => {
    const index = year * 12 + (month - 1) - back;
    return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
  });
}

function monthName(key) {
  const [year, month] = key.split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, 15)).toLocaleDateString(lang === "ja" ? "ja-JP" : "en-GB", { year: "numeric", month: "long", timeZone: "UTC" });
}

async function showMonth(month) {
  const found = await api("GET", `/v1/me/history?month=${month}`);
  const lines = found.items.map(historyLine);
  byId("statement").replaceChildren(...(lines.length ? lines : [el("li", { class: "empty" }, t("nothing_yet"))]));
  const sum = (field) => found.items.reduce((total, item) => total + item[field], 0);
  byId("history-sum").textContent = t("hist_month_sum", { points: signed(sum("points"), points) || points(0), money: signed(sum("money"), yen) || yen(0) });
}

async function downloadYear(event) {
  event.preventDefault();
  const year = byId("csv-year").value;
  try {
    const current = secret(); // none on a resident's page: the session cookie goes along
    const headers = current ? { Authorization: `Bearer ${current}` } : {};
    const response = await fetch(`/v1/me/history.csv?year=${year}`, { headers });
    if (!response.ok) throw new Error(String(response.status));
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `mitapo-${year}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    byId("csv-result").textContent = t("downloaded", { file: `mitapo-${year}.csv` });
  } catch (error) {
    byId("csv-result").textContent = problemText(error);
  }
}

startResident(async () => {
  const now = new Date().toLocaleDateString("sv-SE", { timeZone: "Asia/Tokyo" }).slice(0, 7);
  const month = byId("month");
  month.replaceChildren(...lastMonths(now, MONTHS_OFFERED).map((m) => el("option", { value: m }, monthName(m))));
  month.addEventListener("change", () => showMonth(month.value).catch((e) => (byId("history-sum").textContent = problemText(e))));
  const thisYear = Number(now.slice(0, 4));
  byId("csv-year").replaceChildren(...[0, 1, 2].map((back) => el("option", { value: thisYear - back }, String(thisYear - back))));
  byId("csv-form").addEventListener("submit", downloadYear);
  await showMonth(now);
});
