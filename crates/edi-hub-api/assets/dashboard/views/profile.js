// Borough profile: every measure for one borough beside London, its inner
// or outer London group and its sub-regional partnership, with the
// significance flag and action-plan targets when the hub reports them.

import * as api from "../api.js";
import { spine, COLOURS } from "../charts.js";
import {
  h, controlsForm, boroughSelect, quarterSelect, table, valueCell, describeParams, organisation, setHashParams, busy,
  errorBox, loading, formatNumber, isSuppressed, directionText,
  anyData,
} from "../ui.js";
import { ciCell, sigCell } from "./metric.js";

const STATUS = {
  achieved: "achieved",
  on_track: "on track",
  off_track: "off track",
  no_data: "no data",
};

const VISIBILITY = {
  private: "this borough and data stewards",
  shared: "everyone signed in",
};

export async function render(root, ctx, params) {
  const [metrics, periods] = await Promise.all([api.metrics(), api.periods()]);
  const { ref } = ctx;
  if (!anyData(root, "Borough profile", periods)) return;
  const state = { ...params };
  if (!periods.includes(state.period)) state.period = periods[0];
  const out = h("div", { class: "view-output" });
  const redraw = () => busy(draw).catch((err) => out.replaceChildren(errorBox(err)));
  root.replaceChildren(
    h("h1", {}, "Borough profile"),
    h("p", { class: "lead" }, "Every measure at its default settings for one borough, beside London, its inner or outer London group and its sub-regional partnership."),
    controlsForm(
      boroughSelect(ctx, state, redraw),
      quarterSelect(periods, state, redraw),
    ),
    out,
  );

  async function draw() {
    const org = organisation(ref, state.organisation);
    setHashParams("profile", state);
    out.replaceChildren(loading());
    const profile = await api.get(`/api/v1/organisations/${org.code}/profile?period=${encodeURIComponent(state.period)}`);
    const items = profile.metrics.map((answer) => {
      const metric = metrics.find((m) => m.id === answer.metric) || { id: answer.metric, title: answer.metric, unit: answer.unit };
      const rows = answer.rows || [];
      return {
        metric,
        answer,
        own: rows.find((r) => r.scope === "organisation"),
        london: rows.find((r) => r.scope === "london"),
        area: rows.find((r) => r.scope === org.inner_outer),
        sub: rows.find((r) => r.scope === org.sub_region),
        _data: { metric: answer.metric },
      };
    });
    const hasSig = items.some((i) => i.own && "compared_with_london" in i.own);
    const hasCi = items.some((i) => i.own && ("lower_ci" in i.own || "upper_ci" in i.own));
    const none = (label, column = "value") => h("td", { class: "num", title: label, dataset: { column } }, "–");
    const columns = [
      {
        label: "Measure",
        header: true,
        cell: (i) => {
          const params = describeParams(ref, i.answer.parameters);
          const detail = [params, directionText(i.metric.direction)].filter(Boolean).join("; ");
          // No value anywhere (not withheld: undefined, e.g. a median of several groups).
          const empty = [i.own, i.london, i.area, i.sub].every((r) => !r || (r.value === null && !isSuppressed(r, "value")));
          const hint = empty
            ? [h("br"), h("small", { class: "hint" }, "No value at these settings; ", h("a", { href: `#/metric?metric=${encodeURIComponent(i.metric.id)}&period=${encodeURIComponent(state.period)}` }, "choose others in the Benchmark view"), ".")]
            : [];
          return h("span", {}, i.metric.title, h("br"), h("small", {}, detail), ...hint);
        },
      },
      { label: org.name, num: true, cell: (i) => (i.own ? valueCell(i.own, "value", i.metric) : none(`${org.name} has no figure for this measure`)) },
      { label: "Rank", num: true, cell: (i) => (i.own ? valueCell(i.own, "rank", i.metric) : none("no rank", "rank")) },
    ];
    if (hasCi) columns.push({ label: "95% interval", num: true, cell: (i) => ciCell(i.own, i.metric) });
    if (hasSig) columns.push({ label: "Compared with London", cell: (i) => sigCell(i.own?.compared_with_london) });
    columns.push(
      { label: "London", num: true, cell: (i) => (i.london ? valueCell(i.london, "value", i.metric) : none("no data")) },
      { label: ref.scopes[org.inner_outer], num: true, cell: (i) => (i.area ? valueCell(i.area, "value", i.metric) : none("no data")) },
    );
    if (org.sub_region) {
      columns.push({ label: ref.scopes[org.sub_region], num: true, cell: (i) => (i.sub ? valueCell(i.sub, "value", i.metric) : none("no data")) });
    }
    columns.push(
      {
        label: "Within London's boroughs",
        cell: (i) => {
          const v = i.own && !isSuppressed(i.own, "value") ? i.own.value : null;
          const colour = i.own?.compared_with_london ? COLOURS[i.own.compared_with_london] : COLOURS.own;
          const text = v === null ? "no figure" : `${formatNumber(v, i.metric.unit)} against London's range ${formatNumber(i.london?.min, i.metric.unit)} to ${formatNumber(i.london?.max, i.metric.unit)}`;
          return h("span", { title: text }, spine({ value: v, london: i.london, colour }));
        },
      },
    );
    const blocks = [
      table({ caption: `${org.name}, ${state.period}: every measure`, columns, rows: items, id: "profile-table" }),
      h(
        "p",
        { class: "note" },
        "The bar in \u201cWithin London's boroughs\u201d spans the lowest to the highest borough value shown to you; the darker part is the middle half, the black line London's median, the dot this borough. " +
          "London and the other pooled figures leave out any borough whose figure for the measure is withheld ([c]) from other users, so that no pool minus the other boroughs gives it back; the Benchmark view lists them.",
      ),
    ];
    blocks.push(
      h(
        "p",
        {},
        "To print these figures with a sentence and a chart each, open the ",
        h("a", { href: `#/report?organisation=${encodeURIComponent(org.code)}&period=${encodeURIComponent(state.period)}`, id: "profile-report-link" }, `printable report of ${org.name}, ${state.period}`),
        ".",
      ),
    );
    blocks.push(h("h2", {}, "Progress against action-plan targets"));
    if (Array.isArray(profile.targets)) blocks.push(targetsTable(profile.targets, metrics, ref));
    else blocks.push(h("p", { class: "info" }, "This hub does not report action-plan targets yet."));
    out.replaceChildren(...blocks);
  }

  await draw();
}

function targetsTable(targets, metrics, ref) {
  if (!targets.length) return h("p", { class: "info" }, "No targets are recorded for this borough (or none is shared with you).");
  const rows = targets.map((t) => ({
    ...t,
    metricDef: metrics.find((m) => m.id === t.metric) || { id: t.metric, title: t.metric, unit: "" },
    _data: { target: t.id ?? "" },
  }));
  const cell = (column, content, num = false) => h("td", { class: num ? "num" : null, dataset: { column } }, content);
  return table({
    caption: "Targets, the latest value and whether the trend is on track",
    id: "targets-table",
    rows,
    columns: [
      { label: "Measure", header: true, cell: (t) => h("span", {}, t.metricDef.title, h("br"), h("small", {}, describeParams(ref, t.parameters))) },
      {
        label: "Target",
        num: true,
        cell: (t) => {
          const target = Number(t.target);
          const td = cell("target", formatNumber(target, t.metricDef.unit), true);
          // A ratio target is a distance from 1: 0.8 and 1.25 both mean "from 0.8 to 1.25".
          if (t.metricDef.direction === "closer_to_1" && target > 0) {
            const [lo, hi] = [Math.min(target, 1 / target), Math.max(target, 1 / target)];
            td.title = `met by a ratio from ${formatNumber(lo, t.metricDef.unit)} to ${formatNumber(hi, t.metricDef.unit)}`;
          }
          return td;
        },
      },
      { label: "By", cell: (t) => cell("by", t.by ?? "–") },
      {
        label: "Latest",
        num: true,
        cell: (t) => {
          if (!t.latest) return cell("latest", "no data", true);
          const v = t.latest.value;
          // A null value: withheld from you by disclosure control, or undefined.
          const shown = v === null || v === undefined
            ? h("span", { title: "no figure you may see for this quarter" }, "–")
            : formatNumber(Number(v), t.metricDef.unit);
          return cell("latest", [shown, ` (${t.latest.period})`], true);
        },
      },
      { label: "Status", cell: (t) => cell("status", h("span", { class: `badge ${t.status || "no_data"}` }, STATUS[t.status] || t.status || "no data")) },
      { label: "Visible to", cell: (t) => cell("visibility", VISIBILITY[t.visibility] || (t.visibility ? String(t.visibility).replaceAll("_", " ") : "–")) },
    ],
  });
}
