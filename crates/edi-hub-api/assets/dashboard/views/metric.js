// A metric across all boroughs: ranked bars with the London quartile band,
// London's and the sub-region's medians, the viewer's borough highlighted.

import * as api from "../api.js";
import { rankedBars, COLOURS } from "../charts.js";
import {
  h, controlsForm, select, quarterSelect, table, figure, legend, valueCell, valueText, metricPickers, metricParams, normaliseParams,
  definition, describeParams, organisation, organisationOptions, setHashParams, busy, loading, errorBox,
  isSuppressed, formatNumber, suppressedMark, nodes,
  anyData,
} from "../ui.js";

export async function render(root, ctx, params) {
  const [metrics, periods] = await Promise.all([api.metrics(), api.periods()]);
  const { ref } = ctx;
  if (!anyData(root, "Benchmark: one measure across every borough", periods)) return;
  const state = { metric: params.metric || "workforce_share", period: params.period, ...params };
  if (!periods.includes(state.period)) state.period = periods[0];
  const metricOf = () => metrics.find((m) => m.id === state.metric) || metrics[0];
  normaliseParams(metricOf(), state);

  const out = h("div", { class: "view-output" });
  const controls = controlsForm();
  const redraw = () => busy(draw).catch((err) => out.replaceChildren(errorBox(err)));
  controls.append(
    metricPickers({ metrics, ref, state, onchange: redraw }),
    quarterSelect(periods, state, redraw),
  );
  if (!ctx.who?.organisation) {
    controls.append(
      select({
        id: "pick-own",
        label: "Highlight borough",
        options: [["", "none"], ...organisationOptions(ref)],
        value: ctx.own,
        onchange: (v) => { ctx.setOwn(v); redraw(); },
      }),
    );
  }
  root.replaceChildren(
    h("h1", {}, "Benchmark: one measure across every borough"),
    h("p", { class: "lead" }, "Each borough's value, ranked, against London's median and the middle half of boroughs (the quartile band), with your borough and its sub-regional partnership."),
    controls,
    out,
  );

  async function draw() {
    const metric = metricOf();
    const own = ctx.own;
    const mine = own ? organisation(ref, own) : null;
    setHashParams("metric", { metric: metric.id, period: state.period, ...metricParams(metric, state) });
    out.replaceChildren(loading());
    const answer = await api.benchmark(metric.id, { period: state.period, ...metricParams(metric, state) });
    const orgRows = answer.rows.filter((r) => r.scope === "organisation");
    const summaries = answer.rows.filter((r) => r.scope !== "organisation");
    const london = summaries.find((r) => r.scope === "london");
    const subregion = mine?.sub_region ? summaries.find((r) => r.scope === mine.sub_region) : null;
    const ownRow = orgRows.find((r) => r.organisation === own);
    const title = `${metric.title}${Object.keys(answer.parameters || {}).length ? ` (${describeParams(ref, answer.parameters)})` : ""}, ${state.period}`;

    const chartBox = h("div");
    out.replaceChildren(
      definition(metric),
      headline({ metric, london, subregion, ownRow, mine, ref }),
      chartBox,
    );
    // A metric without an interval method (the pay gaps) has neither intervals nor flags.
    const withInterval = metric.confidence_interval !== null;
    const hasCi = withInterval && orgRows.some((r) => "lower_ci" in r || "upper_ci" in r);
    const hasSig = withInterval && orgRows.some((r) => "compared_with_london" in r);
    const flagged = (flag) => hasSig && orgRows.some((r) => r.compared_with_london === flag);
    const legendItems = [
      // The plain bar colour only where some bar has no flag to be coloured by.
      orgRows.some((r) => typeof r.value === "number" && r.organisation !== own && !COLOURS[r.compared_with_london])
        ? { label: "borough", color: COLOURS.bar }
        : null,
      own ? { label: `${mine?.name || own} (you)`, color: COLOURS.own } : null,
      { label: "London quartile band (q1 to q3)", color: "#d8dadb" },
      { label: "London median", color: COLOURS.london, kind: "line" },
      subregion ? { label: `${subregion.name} median`, color: COLOURS.subregion, kind: "dashed" } : null,
      metric.unit === "ratio" ? { label: "1 = equal", color: "#0b0c0c", kind: "dashed" } : null,
      hasCi ? { label: "95% confidence interval", color: "#0b0c0c", kind: "line" } : null,
      ...["higher", "similar", "lower"].map((flag) => (flagged(flag) ? { label: SIG_TEXT[flag], color: COLOURS[flag] } : null)),
    ].filter(Boolean);
    const chart = rankedBars({
      rows: orgRows, unit: metric.unit, direction: metric.direction, own, london, subregion, container: out, title,
    });
    chartBox.replaceChildren(...nodes(
      figure({
        caption: title,
        chart,
        legend: legend(legendItems),
        tableView: organisationTable({ metric, rows: orgRows, own, hasCi, hasSig }),
        summary: "Table view: every borough",
        suppressed: orgRows.some((r) => isSuppressed(r, "value")),
      }),
      h("h2", {}, "London, inner and outer London, sub-regional partnerships"),
      summaryTable({ metric, rows: summaries, highlight: subregion?.scope }),
      poolNote(orgRows),
      orgRows.length === 0 ? h("p", { class: "info" }, "No borough has data for this measure, these parameters and this quarter.") : null,
    ));
  }

  await draw();
}

function headline({ metric, london, subregion, ownRow, mine }) {
  const parts = [];
  if (ownRow) {
    parts.push(h("strong", {}, `${ownRow.name}: ${valueText(ownRow, "value", metric)}`));
    if (ownRow.rank) parts.push(` (rank ${ownRow.rank})`);
    if (SIG_TEXT[ownRow.compared_with_london]) parts.push(`, ${SIG_TEXT[ownRow.compared_with_london]}`);
    parts.push(". ");
  } else if (mine) {
    parts.push(h("strong", {}, `${mine.name} has no figure for this measure and quarter. `));
  }
  if (london) {
    parts.push(`London: ${valueText(london, "value", metric)} pooled, median ${valueText(london, "median", metric)}, middle half ${valueText(london, "q1", metric)} to ${valueText(london, "q3", metric)}. `);
  }
  if (subregion) parts.push(`${subregion.name}: median ${valueText(subregion, "median", metric)}.`);
  return h("p", { class: "headline" }, parts);
}

/** The 95% interval of a row as a table cell: `[c]` when withheld, `–` when there is none (or no row). */
export function ciCell(row, metric) {
  const td = h("td", { class: "num", dataset: { column: "ci" } });
  if (!row) {
    td.append("–");
    return td;
  }
  if (isSuppressed(row, "lower_ci") || isSuppressed(row, "upper_ci") || isSuppressed(row, "value")) {
    td.dataset.suppressed = "true";
    td.append(suppressedMark());
  } else if (typeof row.lower_ci === "number" && typeof row.upper_ci === "number") {
    td.append(`${formatNumber(row.lower_ci, metric.unit)} to ${formatNumber(row.upper_ci, metric.unit)}`);
  } else td.append("–");
  return td;
}

function organisationTable({ metric, rows, own, hasCi, hasSig }) {
  const sorted = [...rows].sort((a, b) => (a.rank ?? 1e9) - (b.rank ?? 1e9) || a.name.localeCompare(b.name));
  for (const r of sorted) {
    r._class = r.organisation === own ? "own" : null;
    r._data = { organisation: r.organisation };
  }
  const columns = [
    { label: "Rank", num: true, cell: (r) => valueCell(r, "rank", metric) },
    {
      label: "Borough",
      header: true,
      cell: (r) => {
        const name = r.organisation === own ? `${r.name} (you)` : r.name;
        if (r.release === null) return `${name} (provisional: not yet released)`;
        return r.revised ? `${name} (revised in release ${r.release})` : name;
      },
    },
    { label: "Value", num: true, cell: (r) => valueCell(r, "value", metric) },
    { label: "Numerator", num: true, cell: (r) => valueCell(r, "numerator", metric) },
    { label: "Denominator", num: true, cell: (r) => valueCell(r, "denominator", metric) },
  ];
  if (hasCi) columns.push({ label: "95% interval", num: true, cell: (r) => ciCell(r, metric) });
  if (hasSig) columns.push({ label: "Compared with London", cell: (r) => sigCell(r.compared_with_london) });
  return table({ caption: "Every borough with data, by rank", columns, rows: sorted, id: "org-table" });
}

/** The flag against London in words. */
export const SIG_TEXT = {
  higher: "higher than London",
  similar: "similar to London",
  lower: "lower than London",
};

export function sigBadge(flag) {
  if (!flag) return "–";
  return h("span", { class: `badge ${flag}`, title: `${SIG_TEXT[flag] || flag} (95% intervals)` }, flag);
}

/** A table cell with the flag against London ("–" when there is none). */
export function sigCell(flag) {
  return h("td", { dataset: { column: "compared_with_london" } }, sigBadge(flag));
}

/** Says which boroughs the pooled values leave out (those with a withheld figure). */
function poolNote(orgRows) {
  const left = orgRows.filter((r) => ["value", "numerator", "denominator"].some((c) => isSuppressed(r, c)));
  if (!left.length) return null;
  return h(
    "p",
    { class: "note", id: "pool-note" },
    `Pooled values leave out the ${left.length === 1 ? "borough" : `${left.length} boroughs`} with a [c] figure (${left.map((r) => r.name).join(", ")}), ` +
      "so no pooled value minus the others gives a withheld figure back; \u201cBoroughs\u201d counts those pooled.",
  );
}

export function summaryTable({ metric, rows, highlight }) {
  for (const r of rows) {
    r._class = r.scope === highlight || r.scope === "london" ? "summary" : null;
    r._data = { scope: r.scope };
  }
  return table({
    caption: "Pooled value and the spread of borough values in each comparison group",
    id: "summary-table",
    columns: [
      { label: "Group", header: true, cell: (r) => r.name },
      { label: "Pooled value", num: true, cell: (r) => valueCell(r, "value", metric) },
      { label: "Boroughs", num: true, cell: (r) => valueCell(r, "contributors", metric) },
      { label: "Min", num: true, cell: (r) => valueCell(r, "min", metric) },
      { label: "Q1", num: true, cell: (r) => valueCell(r, "q1", metric) },
      { label: "Median", num: true, cell: (r) => valueCell(r, "median", metric) },
      { label: "Q3", num: true, cell: (r) => valueCell(r, "q3", metric) },
      { label: "Max", num: true, cell: (r) => valueCell(r, "max", metric) },
    ],
    rows,
  });
}
