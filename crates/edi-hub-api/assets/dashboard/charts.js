// Charts, drawn with the vendored Observable Plot (global `Plot`). Every
// chart is an SVG with an accessible name and summary; its numbers are also
// in the table view beside it. Suppressed values are never drawn as bars:
// they get a labelled "[c]" placeholder.

import { formatNumber, isSuppressed } from "./ui.js";

export const COLOURS = {
  bar: "#1d70b8",
  own: "#d4351c",
  london: "#0b0c0c",
  subregion: "#912b88",
  band: "#b1b4b6",
  higher: "#003078",
  similar: "#6f777b",
  lower: "#5694ca",
  residents: "#0b0c0c",
  series: ["#d4351c", "#0b0c0c", "#912b88", "#00703c"],
};

function plotReady() {
  if (typeof Plot === "undefined") throw new Error("the chart library did not load");
  return Plot;
}

/**
 * A chart as one image for assistive technology: role="img" with the
 * accessible name (and description) Plot gave it; its figures are in the
 * table view beside it.
 */
function asImage(chart) {
  const svg = chart.tagName.toLowerCase() === "svg" ? chart : chart.querySelector("svg");
  if (!svg) return chart;
  svg.setAttribute("role", "img");
  // Plot names each group of marks ("bar", "rule"); inside an image those
  // names are not for assistive technology (ARIA allows none on a plain g).
  for (const g of svg.querySelectorAll("[aria-label]")) {
    g.dataset.mark = g.getAttribute("aria-label");
    g.removeAttribute("aria-label");
  }
  return chart;
}

function width(container, fallback = 800) {
  return Math.max(280, Math.min(container?.clientWidth || fallback, 1100));
}

function tickFormat(unit) {
  return (v) => formatNumber(v, unit);
}

/**
 * A ranked bar chart of organisation rows: bars for organisations with a
 * value, "[c]" placeholders for suppressed ones, the London quartile band
 * (q1..q3), London and sub-region medians, the viewer's own organisation in
 * another colour, and 95% intervals when the rows carry them.
 */
export function rankedBars({ rows, unit, direction, own, london, subregion, container, title }) {
  const P = plotReady();
  const shown = rows.filter((r) => typeof r.value === "number");
  const hidden = rows.filter((r) => typeof r.value !== "number");
  // In the API's rank order (1 = best by the metric's direction), then by value.
  const desc = direction !== "lower_is_better";
  const rank = (r) => (typeof r.rank === "number" ? r.rank : Infinity);
  shown.sort((a, b) => rank(a) - rank(b) || (desc ? b.value - a.value : a.value - b.value));
  const label = (r) => (r.organisation === own ? `${r.name} (you)` : r.name);
  const order = [...shown, ...hidden].map(label);
  const values = shown.map((r) => r.value);
  for (const r of shown) {
    if (typeof r.lower_ci === "number") values.push(r.lower_ci);
    if (typeof r.upper_ci === "number") values.push(r.upper_ci);
  }
  for (const s of [london, subregion]) {
    for (const k of ["q1", "q3", "median", "value"]) if (typeof s?.[k] === "number") values.push(s[k]);
  }
  let lo = Math.min(0, ...values);
  let hi = Math.max(unit === "ratio" ? 1 : 0, ...values);
  if (hi === lo) hi = lo + 1;
  const pad = (hi - lo) * 0.04;
  lo = lo < 0 ? lo - pad : lo;
  hi += pad;
  const fill = (r) => {
    if (r.organisation === own) return COLOURS.own;
    if (r.compared_with_london && COLOURS[r.compared_with_london]) return COLOURS[r.compared_with_london];
    return COLOURS.bar;
  };
  const marks = [];
  if (typeof london?.q1 === "number" && typeof london?.q3 === "number") {
    marks.push(P.rect([london], { x1: "q1", x2: "q3", fill: COLOURS.band, fillOpacity: 0.35 }));
  }
  marks.push(P.ruleX([0]));
  marks.push(
    P.barX(shown, {
      y: label,
      x: "value",
      fill,
      title: (r) => `${r.name}: ${formatNumber(r.value, unit)}${r.rank ? ` (rank ${r.rank})` : ""}`,
      ariaLabel: "bar",
    }),
  );
  // 1 = equal likelihood or representative: drawn over the bars.
  if (unit === "ratio") marks.push(P.ruleX([1], { stroke: "#ffffff", strokeWidth: 3 }), P.ruleX([1], { stroke: "#0b0c0c", strokeDasharray: "3,3" }));
  const withCi = shown.filter((r) => typeof r.lower_ci === "number" && typeof r.upper_ci === "number");
  if (withCi.length) {
    marks.push(P.ruleY(withCi, { y: label, x1: "lower_ci", x2: "upper_ci", stroke: "#0b0c0c", strokeWidth: 1.5 }));
  }
  if (hidden.length) {
    marks.push(
      P.text(hidden, {
        y: label,
        x: lo < 0 ? 0 : lo,
        text: (r) => (isSuppressed(r, "value") ? "[c] suppressed" : "no value"),
        textAnchor: "start",
        dx: 4,
        fill: "#0b0c0c",
        fontStyle: "italic",
      }),
    );
  }
  if (typeof london?.median === "number") {
    marks.push(P.ruleX([london.median], { stroke: COLOURS.london, strokeWidth: 2 }));
  }
  if (typeof subregion?.median === "number") {
    marks.push(P.ruleX([subregion.median], { stroke: COLOURS.subregion, strokeWidth: 2, strokeDasharray: "6,3" }));
  }
  const n = order.length;
  const w = width(container);
  const narrow = w < 520;
  return asImage(P.plot({
    width: w,
    height: Math.max(120, n * (narrow ? 20 : 18) + 50),
    marginLeft: narrow ? 118 : 190,
    marginRight: 16,
    style: { fontSize: narrow ? "11px" : "12px", background: "transparent", color: "#0b0c0c" },
    ariaLabel: title,
    ariaDescription: `Ranked bars of ${shown.length} organisations${hidden.length ? `; ${hidden.length} without a shown value` : ""}. The table view lists every value.`,
    x: { domain: [lo, hi], grid: true, label: null, tickFormat: tickFormat(unit), ticks: narrow ? 4 : 8 },
    y: { domain: order, label: null, tickSize: 0, tickFormat: (d) => (narrow && d.length > 18 ? `${d.slice(0, 16)}…` : d) },
    marks,
  }));
}

/**
 * Lines over quarters: `series` is [{name, colour, dashed, points: [{period, value, suppressed}]}];
 * `band` optional [{period, q1, q3}]. Suppressed points are marked "[c]" on the axis.
 */
export function trendLines({ periods, series, band, unit, container, title }) {
  const P = plotReady();
  const marks = [];
  const values = [];
  for (const s of series) for (const p of s.points) if (typeof p.value === "number") values.push(p.value);
  if (band) {
    const b = band.filter((d) => typeof d.q1 === "number" && typeof d.q3 === "number");
    for (const d of b) values.push(d.q1, d.q3);
    if (b.length) marks.push(P.areaY(b, { x: "period", y1: "q1", y2: "q3", fill: COLOURS.band, fillOpacity: 0.35, curve: "linear" }));
  }
  let lo = Math.min(unit === "percent" ? 0 : Infinity, ...values);
  let hi = Math.max(unit === "ratio" ? 1 : -Infinity, ...values);
  if (!Number.isFinite(lo)) lo = 0;
  if (!Number.isFinite(hi) || hi <= lo) hi = lo + 1;
  hi += (hi - lo) * 0.05;
  if (unit === "ratio") marks.push(P.ruleY([1], { stroke: "#505a5f", strokeDasharray: "2,3" }));
  for (const s of series) {
    const pts = s.points.map((p) => ({ ...p, y: typeof p.value === "number" ? p.value : NaN }));
    marks.push(P.line(pts, { x: "period", y: "y", stroke: s.colour, strokeWidth: s.bold ? 3 : 2, strokeDasharray: s.dashed ? "6,3" : null }));
    marks.push(P.dot(pts.filter((p) => !Number.isNaN(p.y)), { x: "period", y: "y", fill: s.colour, r: s.bold ? 4 : 3, title: (p) => `${s.name}, ${p.period}: ${formatNumber(p.value, unit)}` }));
    const supp = pts.filter((p) => p.suppressed);
    if (supp.length) {
      marks.push(P.text(supp, { x: "period", y: lo, text: () => "[c]", dy: -8, fill: s.colour, fontWeight: "bold" }));
    }
  }
  const w = width(container);
  return asImage(P.plot({
    width: w,
    height: Math.min(420, Math.max(260, w * 0.45)),
    marginLeft: 56,
    marginRight: 20,
    marginBottom: 40,
    style: { fontSize: "12px", background: "transparent", color: "#0b0c0c" },
    ariaLabel: title,
    ariaDescription: `Lines over ${periods.length} quarters for ${series.map((s) => s.name).join(", ")}. The table view lists every value.`,
    x: { type: "point", domain: periods, label: null, tickRotate: w < 520 ? -45 : 0, padding: 0.3 },
    y: { domain: [lo, hi], grid: true, label: null, tickFormat: tickFormat(unit) },
    marks,
  }));
}

/**
 * One group's share in each pay band (bars), the comparator's share (ticks)
 * and the group's share of residents (dashed line).
 */
export function bandBars({ bands, residents, container, title, own }) {
  const P = plotReady();
  const shown = bands.filter((b) => typeof b.share === "number");
  const hidden = bands.filter((b) => typeof b.share !== "number");
  const values = [
    ...shown.map((b) => b.share),
    ...bands.map((b) => b.london).filter((v) => typeof v === "number"),
    ...(typeof residents === "number" ? [residents] : []),
  ];
  const hi = Math.max(5, ...values) * 1.1;
  const marks = [
    P.barY(shown, { x: "band", y: "share", fill: own ? COLOURS.own : COLOURS.bar, title: (b) => `Band ${b.band}: ${formatNumber(b.share, "percent")}` }),
    P.tickY(bands.filter((b) => typeof b.london === "number"), { x: "band", y: "london", stroke: COLOURS.london, strokeWidth: 3 }),
    P.ruleY([0]),
  ];
  if (typeof residents === "number") {
    marks.push(P.ruleY([residents], { stroke: COLOURS.residents, strokeDasharray: "6,3", strokeWidth: 2 }));
  }
  if (hidden.length) {
    marks.push(P.text(hidden, { x: "band", y: 0, text: (b) => (b.suppressed ? "[c]" : "–"), dy: -10, fontWeight: "bold", fill: "#0b0c0c" }));
  }
  const w = Math.max(260, Math.min(container?.clientWidth || 340, 420));
  return asImage(P.plot({
    width: w,
    height: 220,
    marginLeft: 48,
    marginBottom: 36,
    style: { fontSize: "12px", background: "transparent", color: "#0b0c0c" },
    ariaLabel: title,
    ariaDescription: "Bars: share of each pay band (1 lowest to 6 highest). Dashed line: share of residents. Black ticks: London. The table view lists every value.",
    x: { domain: ["1", "2", "3", "4", "5", "6"], label: "pay band", padding: 0.2 },
    y: { domain: [0, hi], grid: true, label: null, tickFormat: tickFormat("percent"), ticks: 5 },
    marks,
  }));
}

/**
 * A Fingertips-style spine: the London range (min..max), its quartile band,
 * the median, and the organisation's value as a dot. Plain SVG, decorative
 * (aria-hidden): the row's cells carry the numbers.
 */
export function spine({ value, london, colour }) {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  const W = 160;
  const H = 18;
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("width", W);
  svg.setAttribute("height", H);
  svg.setAttribute("class", "spine");
  svg.setAttribute("aria-hidden", "true");
  const nums = [london?.min, london?.max, value].filter((v) => typeof v === "number");
  if (nums.length < 2) return svg;
  const lo = Math.min(...nums);
  const hi = Math.max(...nums);
  const x = (v) => 6 + ((v - lo) / (hi - lo || 1)) * (W - 12);
  const add = (tag, attrs) => {
    const el = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
  };
  if (typeof london.min === "number" && typeof london.max === "number") {
    add("rect", { x: x(london.min), y: 6, width: Math.max(1, x(london.max) - x(london.min)), height: 6, fill: "#dee0e2" });
  }
  if (typeof london.q1 === "number" && typeof london.q3 === "number") {
    add("rect", { x: x(london.q1), y: 4, width: Math.max(1, x(london.q3) - x(london.q1)), height: 10, fill: "#8fa5b8" });
  }
  if (typeof london.median === "number") add("rect", { x: x(london.median) - 1, y: 2, width: 2, height: 14, fill: "#0b0c0c" });
  if (typeof value === "number") add("circle", { cx: x(value), cy: 9, r: 5, fill: colour || COLOURS.own, stroke: "#fff", "stroke-width": 1 });
  return svg;
}
