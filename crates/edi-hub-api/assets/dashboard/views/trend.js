// Trend: one borough against London and its sub-regional partnership, quarter by quarter.

import * as api from "../api.js";
import { trendLines, COLOURS } from "../charts.js";
import {
  h, controlsForm, boroughSelect, quarterSelect, table, figure, legend, valueCell, metricPickers, metricParams, normaliseParams, definition,
  describeParams, organisation, setHashParams, busy, loading, errorBox, isSuppressed, nodes,
  anyData,
} from "../ui.js";

export async function render(root, ctx, params) {
  const [metrics, periodsDesc] = await Promise.all([api.metrics(), api.periods()]);
  const { ref } = ctx;
  if (!anyData(root, "Trend: a borough against London over time", periodsDesc)) return;
  const periods = [...periodsDesc].reverse();
  const state = { metric: "workforce_share", ...params };
  if (!periods.includes(state.from)) state.from = periods[0];
  if (!periods.includes(state.to)) state.to = periods[periods.length - 1];
  const metricOf = () => metrics.find((m) => m.id === state.metric) || metrics[0];
  normaliseParams(metricOf(), state);

  const out = h("div", { class: "view-output" });
  const redraw = () => busy(draw).catch((err) => out.replaceChildren(errorBox(err)));
  const controls = controlsForm(
    boroughSelect(ctx, state, redraw),
    metricPickers({ metrics, ref, state, onchange: redraw }),
    quarterSelect(periods, state, redraw, { id: "pick-from", label: "From", key: "from" }),
    quarterSelect(periods, state, redraw, { id: "pick-to", label: "To", key: "to" }),
  );
  root.replaceChildren(
    h("h1", {}, "Trend: a borough against London over time"),
    h("p", { class: "lead" }, "A borough's value quarter by quarter, beside London's and its sub-regional partnership's pooled values and the middle half of London boroughs."),
    controls,
    out,
  );

  async function draw() {
    const metric = metricOf();
    const org = organisation(ref, state.organisation);
    let { from, to } = state;
    if (from > to) [from, to] = [to, from];
    setHashParams("trend", { organisation: org.code, metric: metric.id, from, to, ...metricParams(metric, state) });
    out.replaceChildren(loading());
    const answer = await api.benchmark(metric.id, { from, to, ...metricParams(metric, state) });
    const range = periods.filter((p) => p >= from && p <= to);
    const pick = (pred) => range.map((p) => answer.rows.find((r) => r.period === p && pred(r)) || null);
    const own = pick((r) => r.scope === "organisation" && r.organisation === org.code);
    const london = pick((r) => r.scope === "london");
    const sub = org.sub_region ? pick((r) => r.scope === org.sub_region) : null;
    const subName = org.sub_region ? ref.scopes[org.sub_region] : null;
    const points = (rows) => rows.map((r, i) => ({ period: range[i], value: r?.value ?? null, suppressed: r ? isSuppressed(r, "value") : false }));
    const series = [
      { name: org.name, colour: COLOURS.own, bold: true, points: points(own) },
      { name: "London", colour: COLOURS.london, points: points(london) },
    ];
    if (sub) series.push({ name: subName, colour: COLOURS.subregion, dashed: true, points: points(sub) });
    const band = london.map((r, i) => ({ period: range[i], q1: r?.q1 ?? null, q3: r?.q3 ?? null }));
    const title = `${metric.title}${Object.keys(answer.parameters || {}).length ? ` (${describeParams(ref, answer.parameters)})` : ""}: ${org.name}, ${from} to ${to}`;
    const rows = range.map((p, i) => ({ period: p, own: own[i], london: london[i], sub: sub?.[i] }));
    const cell = (key, column) => (r) =>
      r[key] ? valueCell(r[key], column, metric) : h("td", { class: "num", title: "no data", dataset: { column } }, "–");
    const columns = [
      { label: "Quarter", header: true, cell: (r) => r.period },
      { label: org.name, num: true, cell: cell("own", "value") },
      { label: "Rank", num: true, cell: cell("own", "rank") },
      { label: "London", num: true, cell: cell("london", "value") },
      { label: "London Q1", num: true, cell: cell("london", "q1") },
      { label: "London median", num: true, cell: cell("london", "median") },
      { label: "London Q3", num: true, cell: cell("london", "q3") },
    ];
    if (sub) columns.push({ label: subName, num: true, cell: cell("sub", "value") });
    for (const r of rows) r._data = { period: r.period };
    const chartBox = h("div");
    out.replaceChildren(definition(metric), chartBox);
    chartBox.append(...nodes(
      figure({
        caption: title,
        chart: trendLines({ periods: range, series, band, unit: metric.unit, container: out, title }),
        legend: legend([
          { label: org.name, color: COLOURS.own, kind: "line" },
          { label: "London (pooled)", color: COLOURS.london, kind: "line" },
          sub ? { label: `${subName} (pooled)`, color: COLOURS.subregion, kind: "dashed" } : null,
          { label: "London quartile band (q1 to q3)", color: "#d8dadb" },
        ].filter(Boolean)),
        tableView: table({ caption: "Values by quarter", columns, rows, id: "trend-table" }),
        summary: "Table view: values by quarter",
        suppressed: series.some((s) => s.points.some((p) => p.suppressed)),
      }),
      own.every((r) => !r) ? h("p", { class: "info" }, `${org.name} has no figure for this measure in these quarters.`) : null,
    ));
  }

  await draw();
}
