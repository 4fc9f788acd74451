// A bar chart per month as SVG, drawn from the numbers the API gives; the same numbers follow as a table,
// which is what a screen reader reads (the picture itself is hidden from it).
import { el, number, t } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#1d6b40", "#2f62b5", "#b5472f", "#7a4fb0", "#6b6b6b", "#b58a00"];
const HEIGHT = 220;
const BAR = 14;
const GAP = 18;

function svg(tag, attributes) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function picture(months, series) {
  const names = Object.keys(series);
  const top = Math.max(1, ...names.flatMap((name) => series[name]));
  const group = names.length * BAR + GAP;
  const width = Math.max(320, 48 + months.length * group);
  const root = svg("svg", { viewBox: `0 0 ${width} ${HEIGHT + 40}`, role: "presentation", "aria-hidden": "true" });
  root.append(svg("line", { x1: 40, y1: HEIGHT, x2: width, y2: HEIGHT, stroke: "#333" }));
  months.forEach((month, m) => {
    const x0 = 48 + m * group;
    names.forEach((name, s) => {
      const value = Math.max(0, series[name][m]);
      const h = Math.round((value / top) * (HEIGHT - 20));
      root.append(svg("rect", { x: x0 + s * BAR, y: HEIGHT - h, width: BAR - 2, height: h, fill: COLORS[s] }));
    });
    const label = svg("text", { x: x0, y: HEIGHT + 16, "font-size": 12 });
    label.textContent = month;
    root.append(label);
  });
  const scale = svg("text", { x: 0, y: 14, "font-size": 12 });
  scale.textContent = number(top);
  root.append(scale);
  return root;
}

function legend(series) {
  return el(
    "ul",
    { class: "legend" },
    Object.keys(series).map((name, s) =>
      el("li", {}, el("span", { class: "swatch", "data-color": s }), t(`series_${name}`)),
    ),
  );
}

function table(months, series) {
  const names = Object.keys(series);
  return el(
    "div",
    { class: "scroll" },
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("col_month")), names.map((n) => el("th", { scope: "col" }, t(`series_${n}`))))),
      el(
        "tbody",
        {},
        months.map((month, m) =>
          el("tr", {}, el("th", { scope: "row" }, month), names.map((n) => el("td", { class: "num" }, number(series[n][m])))),
        ),
      ),
    ),
  );
}

export function drawChart(figure, months, series) {
  const swatches = legend(series);
  figure.append(picture(months, series), swatches, table(months, series));
  swatches.querySelectorAll(".swatch").forEach((swatch) => {
    swatch.style.background = COLORS[Number(swatch.dataset.color)];
  });
}
