// Bars per month as SVG, drawn from the numbers the API gives: one row per series, all on one linear scale
// per chart, each bar labelled with its number so that a small one still reads. The same numbers follow as
// a table, which is what a screen reader reads (the picture itself is hidden from it).
import { el, number, t } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#1d6b40", "#2f62b5", "#b5472f", "#7a4fb0", "#5c5c5c", "#8a6a00"];
const WIDTH = 640;
const LABEL = 110; // room for the series' names
const ROW = 22;
const MONTH_GAP = 28;

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

function picture(months, series) {
  const names = Object.keys(series);
  const top = Math.max(1, ...names.flatMap((name) => series[name]));
  const room = WIDTH - LABEL - 90;
  const height = months.length * (names.length * ROW + MONTH_GAP);
  const root = svg("svg", { viewBox: `0 0 ${WIDTH} ${Math.max(height, ROW)}`, "aria-hidden": "true", focusable: "false" });
  months.forEach((month, m) => {
    const y0 = m * (names.length * ROW + MONTH_GAP);
    root.append(svg("text", { x: 0, y: y0 + 16, "font-size": 14, "font-weight": 700 }, month));
    names.forEach((name, s) => {
      const y = y0 + 22 + s * ROW;
      const value = series[name][m];
      const w = Math.max(value > 0 ? 2 : 0, Math.round((Math.max(0, value) / top) * room));
      root.append(svg("text", { x: 8, y: y + 14, "font-size": 13 }, t(`series_${name}`)));
      root.append(svg("rect", { x: LABEL, y: y + 3, width: w, height: ROW - 6, fill: COLORS[s % COLORS.length] }));
      root.append(svg("text", { x: LABEL + w + 6, y: y + 14, "font-size": 13 }, number(value)));
    });
  });
  return root;
}

function table(months, series) {
  const names = Object.keys(series);
  const head = el("tr", {}, el("th", { scope: "col" }, t("col_month")), names.map((n) => el("th", { scope: "col", class: "num" }, t(`series_${n}`))));
  const rows = months.map((month, m) =>
    el("tr", {}, el("th", { scope: "row" }, month), names.map((n) => el("td", { class: "num" }, number(series[n][m])))),
  );
  return el("div", { class: "scroll" }, el("table", {}, el("thead", {}, head), el("tbody", {}, rows)));
}

export function drawChart(figure, months, series) {
  if (!months.length) {
    figure.append(el("p", {}, t("nothing_yet")));
    return;
  }
  figure.append(picture(months, series), table(months, series));
}
