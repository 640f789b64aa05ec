// Shared pieces of the views: building elements, formatting values (with
// suppressed cells as [c]), tables, pickers and the view's hash state.

export const SUPPRESSED_TEXT =
  "suppressed to protect individuals: small numbers, or figures from which a small number could be worked out";

/** Creates an element: h("p", {class: "x"}, "text", child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Children for replaceChildren/append without the empty ones. */
export function nodes(...children) {
  return children.flat().filter((c) => c !== undefined && c !== null && c !== false);
}

/** The `[c]` marker with its explanation (tooltip and accessible name). */
export function suppressedMark() {
  return h("abbr", { class: "supp", title: `[c] ${SUPPRESSED_TEXT}`, "aria-label": `suppressed: ${SUPPRESSED_TEXT}` }, "[c]");
}

export function isSuppressed(row, column) {
  return Array.isArray(row?.suppressed) && row.suppressed.includes(column);
}

/** Text for a number in a metric's unit. */
export function formatNumber(value, unit) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (unit === "percent") return `${value.toFixed(1)}%`;
  if (unit === "ratio") return value.toFixed(2);
  if (unit === "count") return Math.round(value).toLocaleString("en-GB");
  if (unit === "gbp") return `£${value.toFixed(2)}`;
  if (unit === "rate") return `${value.toFixed(1)} per 100`;
  return String(value);
}

/** Unit of a column of a benchmark row of `metric` ({id, unit}). */
export function columnUnit(column, metric) {
  if (column === "contributors" || column === "rank") return "count";
  if (column === "numerator" || column === "denominator") {
    const id = metric?.id || "";
    if (id.startsWith("pay_gap")) return "gbp";
    if (id.endsWith("_rl")) return "rate";
    return "count";
  }
  return metric?.unit;
}

/**
 * A table cell for `row[column]`: `[c]` when suppressed, "–" when there is no
 * value, the formatted number otherwise (raw value in data-value).
 */
export function valueCell(row, column, metric, tag = "td") {
  const cell = h(tag, { class: "num", dataset: { column } });
  if (isSuppressed(row, column)) {
    cell.append(suppressedMark());
    cell.dataset.suppressed = "true";
    return cell;
  }
  const v = row?.[column];
  if (v === null || v === undefined) {
    cell.append(h("span", { title: "no value (no data, or nothing to compare with)" }, "–"));
    return cell;
  }
  cell.dataset.value = String(v);
  cell.append(formatNumber(Number(v), columnUnit(column, metric)));
  return cell;
}

/** Text for a value, `[c]` when suppressed. */
export function valueText(row, column, metric) {
  if (isSuppressed(row, column)) return "[c]";
  const v = row?.[column];
  return v === null || v === undefined ? "–" : formatNumber(Number(v), columnUnit(column, metric));
}

/** The footnote under a table or chart holding suppressed cells. */
export function suppressionNote() {
  return h("p", { class: "note supp-note" }, suppressedMark(), ` ${SUPPRESSED_TEXT[0].toUpperCase()}${SUPPRESSED_TEXT.slice(1)}.`);
}

/**
 * A table: columns are {label, num?, cell(row) -> Node|string, header?: true}.
 * Rows may carry `_class` for the row's class.
 */
export function table({ caption, columns, rows, id }) {
  const thead = h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label))));
  const tbody = h(
    "tbody",
    {},
    rows.map((r) =>
      h(
        "tr",
        { class: r._class || null, dataset: r._data || {} },
        columns.map((c) => {
          const content = c.cell(r);
          if (content instanceof HTMLTableCellElement) return content;
          const cell = h(c.header ? "th" : "td", { class: c.num ? "num" : null, scope: c.header ? "row" : null }, content);
          return cell;
        }),
      ),
    ),
  );
  const t = h("table", { id }, caption ? h("caption", {}, caption) : null, thead, tbody);
  // A table wider than the screen scrolls sideways: the region takes focus so the keyboard can scroll it.
  const wrap = h("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-label": typeof caption === "string" ? caption : caption?.textContent || "Table" }, t);
  if (t.querySelector("[data-suppressed]")) wrap.append(suppressionNote());
  return wrap;
}

/** A chart with its table view under it (a disclosure widget). */
export function figure({ caption, chart, legend, tableView, open = false, summary = "Table view", suppressed = false }) {
  const fig = h("figure", {}, h("figcaption", {}, caption), legend || null, h("div", { class: "chart" }, chart), suppressed ? suppressionNote() : null);
  const details = h("details", { class: "table-view", open }, h("summary", {}, summary), tableView);
  return h("div", { class: "figure-block" }, fig, details);
}

/** A legend: items {label, color, kind: "box"|"line"|"dashed"}. */
export function legend(items) {
  return h(
    "ul",
    { class: "legend", "aria-label": "Legend" },
    items.map((i) =>
      h(
        "li",
        {},
        h("span", {
          class: `swatch ${i.kind === "line" ? "line" : i.kind === "dashed" ? "dashed" : ""}`,
          style: i.kind === "box" || !i.kind ? `background:${i.color}` : `border-top-color:${i.color}`,
          "aria-hidden": "true",
        }),
        i.label,
      ),
    ),
  );
}

/** A labelled select: options are [value, label] pairs. */
export function select({ id, label, options, value, onchange }) {
  const s = h(
    "select",
    { id, name: id },
    options.map(([v, l]) => h("option", { value: v, selected: String(v) === String(value) ? true : null }, l)),
  );
  if (onchange) s.addEventListener("change", () => onchange(s.value));
  return h("div", { class: "field" }, h("label", { for: id }, label), s);
}

/** The view's state in the location hash (`#/view?a=1`), never the token. */
export function hashState() {
  const [path, q] = location.hash.replace(/^#\/?/, "").split("?");
  return { view: path || "metric", params: Object.fromEntries(new URLSearchParams(q || "")) };
}

/**
 * Replaces the view's parameters in the hash without re-rendering; ignored
 * when the hash has moved on to another view (a view still loading after
 * the user left it must not pull the address back).
 */
export function setHashParams(view, params) {
  if (hashState().view !== view) return;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
  const s = q.toString();
  history.replaceState(null, "", `#/${view}${s ? `?${s}` : ""}`);
}

/** Marks the view busy while `work` runs (the browser tests wait for "ready"). */
export async function busy(work) {
  const main = document.getElementById("view");
  main.dataset.state = "loading";
  try {
    await work();
    main.dataset.state = "ready";
  } catch (err) {
    main.dataset.state = "error";
    throw err;
  }
}

/** Whether there is anything to show; if not, says so in `root`. */
export function anyData(root, title, periods) {
  if (periods.length) return true;
  root.replaceChildren(
    h("h1", {}, title),
    h("p", { class: "info" }, "Nothing has been submitted to this hub yet: there are no quarters to show. Boroughs upload on the Upload tab."),
  );
  return false;
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

/** A problem from the API, shown as an alert. */
export function errorBox(err) {
  const status = err?.status ? ` (${err.status})` : "";
  const detail = err?.problem?.detail || err?.message || String(err);
  return h("div", { class: "alert", role: "alert" }, h("strong", {}, `The hub could not answer${status}. `), detail);
}

/** Display label of an ethnic group code. */
export function groupLabel(ref, code) {
  return ref?.groups?.[code] || code;
}

/** Display label of a parameter value. */
export function paramLabel(ref, name, value) {
  if (value === null || value === undefined || value === "") return "all";
  if (name === "group") return groupLabel(ref, value);
  if (name === "pay_band") return `band ${value}`;
  if (value === "true") return "yes";
  if (value === "false") return "no";
  return String(value).replaceAll("_", " ");
}

const PARAM_NAMES = {
  group: "Ethnic group",
  pay_band: "Pay band",
  senior_leadership: "Senior leadership",
  top_5_percent: "Top 5% of earners",
  case_type: "Case type",
  event: "Event",
  question: "Survey question",
};

/** Display name of a parameter. */
export function paramName(name) {
  return PARAM_NAMES[name] || name.replaceAll("_", " ");
}

/** "group: Black; pay band: 4" for a parameters object. */
export function describeParams(ref, params) {
  return Object.entries(params || {})
    .map(([k, v]) => `${paramName(k).toLowerCase()}: ${paramLabel(ref, k, v)}`)
    .join("; ");
}

/** The organisation record of a code. */
export function organisation(ref, code) {
  return ref.organisations.find((o) => o.code === code);
}

/** Organisation options for a select. */
export function organisationOptions(ref) {
  return [...ref.organisations].sort((a, b) => a.name.localeCompare(b.name)).map((o) => [o.code, o.name]);
}

/** The form holding a view's pickers (never submitted: each picker redraws). */
export function controlsForm(...children) {
  return h("form", { class: "controls", "aria-label": "What to show", onsubmit: (e) => e.preventDefault() }, ...children);
}

/** A select bound to `state[key]`: a choice is stored there, then `onchange` runs. */
export function stateSelect({ id, label, options, state, key, onchange }) {
  return select({ id, label, options, value: state[key], onchange: (v) => { state[key] = v; onchange(); } });
}

/** The borough picker of a view; `state.organisation` defaults to the caller's own borough, else the first. */
export function boroughSelect(ctx, state, onchange) {
  const { ref } = ctx;
  if (!organisation(ref, state.organisation)) state.organisation = ctx.own || ref.organisations[0].code;
  return stateSelect({ id: "pick-organisation", label: "Borough", options: organisationOptions(ref), state, key: "organisation", onchange });
}

/** A quarter picker bound to `state[key]` (default `period`). */
export function quarterSelect(periods, state, onchange, { id = "pick-period", label = "Quarter", key = "period" } = {}) {
  return stateSelect({ id, label, options: periods.map((p) => [p, p]), state, key, onchange });
}

/** Parameter names of a metric. */
export function paramNames(metric) {
  return (metric?.parameters || []).map((p) => p.name);
}

/**
 * Keeps `state` valid for its metric: drops parameters the metric does not
 * take, fills defaults, and resets values it does not allow.
 */
export function normaliseParams(metric, state) {
  const names = new Set(paramNames(metric));
  for (const k of Object.keys(state)) {
    if (PARAM_KEYS.has(k) && !names.has(k)) delete state[k];
  }
  for (const p of metric.parameters || []) {
    const v = state[p.name];
    if (v === undefined || (v !== "" && !p.values.includes(v)) || (p.name === "group" && v === "not_stated")) {
      state[p.name] = p.default ?? "";
    }
  }
  return state;
}

const PARAM_KEYS = new Set(["group", "pay_band", "senior_leadership", "top_5_percent", "case_type", "event", "question"]);

/** The parameters of `state` that belong to `metric` (for the API query). */
export function metricParams(metric, state) {
  const out = {};
  for (const name of paramNames(metric)) if (state[name] !== undefined && state[name] !== "") out[name] = state[name];
  return out;
}

/**
 * Metric and parameter pickers, driven by the catalogue. `state.metric`
 * and the parameters are updated in place; `onchange` runs after each change.
 */
export function metricPickers({ metrics, ref, state, onchange, exclude = [] }) {
  const box = h("div", { class: "picker-group", style: "display:contents" });
  const draw = () => {
    const metric = metrics.find((m) => m.id === state.metric) || metrics[0];
    state.metric = metric.id;
    normaliseParams(metric, state);
    const fields = [
      select({
        id: "pick-metric",
        label: "Measure",
        options: metrics.filter((m) => !exclude.includes(m.id)).map((m) => [m.id, m.title]),
        value: metric.id,
        onchange: (v) => {
          state.metric = v;
          draw();
          onchange();
        },
      }),
    ];
    for (const p of metric.parameters || []) {
      const values = p.values.filter((v) => !(p.name === "group" && v === "not_stated"));
      const options = values.map((v) => [v, paramLabel(ref, p.name, v)]);
      if (p.default === null || p.default === undefined) options.unshift(["", "all"]);
      fields.push(
        select({
          id: `pick-${p.name}`,
          label: paramName(p.name),
          options,
          value: state[p.name] ?? "",
          onchange: (v) => {
            state[p.name] = v;
            onchange();
          },
        }),
      );
    }
    box.replaceChildren(...fields);
  };
  draw();
  return box;
}

/** Text for a metric's direction. */
export function directionText(direction) {
  return (
    {
      higher_is_better: "higher is better",
      lower_is_better: "lower is better",
      closer_to_1: "closer to 1 is better (1 = equal)",
      neutral: "neither higher nor lower is better in itself",
    }[direction] || direction
  );
}

/** The metric's definition and formula as a paragraph. */
export function definition(metric) {
  return h(
    "p",
    { class: "definition" },
    metric.definition,
    " ",
    h("span", {}, `Formula: ${metric.formula}. Direction: ${directionText(metric.direction)}.`),
    metric.confidence_interval ? h("span", { class: "ci-method" }, ` Interval: ${metric.confidence_interval}.`) : null,
  );
}
