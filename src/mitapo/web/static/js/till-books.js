// The shop's books at the till: its settlements (points and money taken, the fee, the payout), and the
// payments of a day or a month, with their slip numbers, saved as a CSV file for its own accounts.
import { api, byId, el, moment, number, points, problemText, t, yen } from "./common.js";

export async function showPayouts() {
  const found = await api("GET", "/v1/merchant/settlements");
  const rows = found.items.map((line) =>
    el(
      "tr",
      {},
      el("td", {}, moment(line.until)),
      el("td", { class: "num" }, points(line.points)),
      el("td", { class: "num" }, yen(line.money)),
      el("td", { class: "num" }, yen(line.fee)),
      el("td", { class: "num" }, yen(line.payout)),
    ),
  );
  const none = el("tr", {}, el("td", { colspan: 5 }, t("till_no_payouts")));
  byId("payouts").tBodies[0].replaceChildren(...(rows.length ? rows : [none]));
}

// [from, to) in Tokyo time for the day of `date` (YYYY-MM-DD) or its month.
function span(kind, date) {
  const [y, m] = date.split("-").map(Number);
  if (kind === "day") {
    const from = Date.parse(`${date}T00:00:00+09:00`);
    return { from, to: from + 86_400_000, label: date };
  }
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, "0")}`;
  const month = date.slice(0, 7);
  return { from: Date.parse(`${month}-01T00:00:00+09:00`), to: Date.parse(`${next}-01T00:00:00+09:00`), label: month };
}

// Payments come newest first: read on until they are older than the span.
async function paymentsIn({ from, to }) {
  const found = [];
  let cursor = null;
  do {
    const page = await api("GET", `/v1/merchant/payments?limit=200${cursor ? `&cursor=${cursor}` : ""}`);
    found.push(...page.items.filter((p) => from <= Date.parse(p.created_at) && Date.parse(p.created_at) < to));
    const oldest = page.items.at(-1);
    cursor = oldest && Date.parse(oldest.created_at) >= from ? page.next_cursor : null;
  } while (cursor);
  return found.reverse();
}

const quoted = (value) => `"${String(value).replaceAll('"', '""')}"`;

function csv(payments) {
  const head = ["csv_time", "csv_payment", "csv_slip", "csv_amount", "csv_points", "csv_money", "csv_refunded", "csv_status"];
  const lines = payments.map((p) =>
    [moment(p.created_at), p.id, p.reference ?? "", p.amount, p.points_used, p.money_used, p.refunded, t(`payment_${p.status}`)]
      .map(quoted)
      .join(","),
  );
  return `\uFEFF${[head.map((key) => quoted(t(key))).join(","), ...lines].join("\r\n")}\r\n`;
}

export function wireCsv(shop) {
  byId("csv-date").value = new Date().toLocaleDateString("en-CA", { timeZone: "Asia/Tokyo" });
  byId("csv-form").addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const box = byId("csv-result");
    box.replaceChildren(t("loading"));
    try {
      const chosen = span(byId("csv-span").value, byId("csv-date").value);
      const payments = await paymentsIn(chosen);
      const file = `mitapo-${shop.id}-${chosen.label}.csv`;
      const saved = URL.createObjectURL(new Blob([csv(payments)], { type: "text/csv;charset=utf-8" }));
      const link = el("a", { href: saved, download: file });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(saved), 60_000);
      box.replaceChildren(t("till_csv_saved", { file, n: number(payments.length) }));
    } catch (error) {
      box.replaceChildren(el("span", { class: "error" }, problemText(error)));
    }
  });
}
