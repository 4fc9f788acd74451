// A map of Mitaka's community areas drawn in the browser from a shipped GeoJSON file: no tile server, so it
// works offline and in tests. Each area shows how many events and shops it has; choosing one filters.
import { el } from "./common.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export async function loadAreas() {
  const response = await fetch("/static/geo/mitaka-areas.geojson");
  return (await response.json()).features;
}

function projection(features) {
  const points = features.flatMap((f) => f.geometry.coordinates[0]);
  const [west, east] = [Math.min(...points.map((p) => p[0])), Math.max(...points.map((p) => p[0]))];
  const [south, north] = [Math.min(...points.map((p) => p[1])), Math.max(...points.map((p) => p[1]))];
  const scale = WIDTH / ((east - west) * Math.cos((((south + north) / 2) * Math.PI) / 180));
  const height = (north - south) * scale;
  const xy = ([lon, lat]) => [((lon - west) / (east - west)) * WIDTH, ((north - lat) / (north - south)) * height];
  return { xy, height };
}

function centre(ring, xy) {
  const projected = ring.slice(0, -1).map(xy);
  return [0, 1].map((i) => projected.reduce((sum, p) => sum + p[i], 0) / projected.length);
}

// counts: {area: {events, shops}}; onChoose(area) when an area is chosen.
export function drawMap(figure, features, counts, chosen, onChoose, words) {
  const { xy, height } = projection(features);
  const map = svg("svg", { viewBox: `0 0 ${WIDTH} ${Math.round(height)}`, role: "group", "aria-label": words.label });
  for (const feature of features) {
    const name = feature.properties.name;
    const ring = feature.geometry.coordinates[0];
    const here = counts[name] || { events: 0, shops: 0 };
    const [cx, cy] = centre(ring, xy);
    const shape = svg("polygon", { points: ring.map((p) => xy(p).join(",")).join(" "), class: "area" });
    const label = svg("text", { x: cx, y: cy - 6, class: "area-name" }, name);
    const tally = svg("text", { x: cx, y: cy + 16, class: "area-count" }, words.count(here));
    const marks = [];
    for (let i = 0; i < Math.min(here.events, 6); i += 1) marks.push(svg("circle", { cx: cx - 30 + i * 12, cy: cy + 30, r: 5, class: "mark-event" }));
    for (let i = 0; i < Math.min(here.shops, 6); i += 1) marks.push(svg("rect", { x: cx - 35 + i * 12, y: cy + 40, width: 9, height: 9, class: "mark-shop" }));
    const title = svg("title", {}, `${name}: ${words.count(here)}`);
    const group = svg("a", { href: "#", class: name === chosen ? "area-link chosen" : "area-link", "data-area": name }, title, shape, label, tally, ...marks);
    group.addEventListener("click", (event) => {
      event.preventDefault();
      onChoose(name === chosen ? "" : name);
    });
    map.append(group);
  }
  const legend = el("figcaption", {}, words.legend);
  figure.replaceChildren(map, legend);
}
