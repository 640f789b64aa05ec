// Coverage: who has a current submission of which dataset for which quarter.

import * as api from "../api.js";
import { h, controlsForm, select, setHashParams, busy, errorBox } from "../ui.js";

export async function render(root, ctx, params) {
  const [entries, rounds] = await Promise.all([api.coverage(), api.rounds()]);
  const { ref } = ctx;
  const datasets = ref.datasets.map((d) => d.name);
  const state = { dataset: datasets.includes(params.dataset) ? params.dataset : "" };
  const out = h("div", { class: "view-output" });
  const redraw = () => busy(draw).catch((err) => out.replaceChildren(errorBox(err)));
  root.replaceChildren(
    h("h1", {}, "Coverage: who has submitted what"),
    h("p", { class: "lead" }, "Each borough's current submissions by quarter. A later upload for the same quarter replaces the earlier one; a withdrawn submission leaves a gap."),
    controlsForm(
      select({
        id: "pick-dataset",
        label: "Dataset",
        options: [["", "all datasets"], ...ref.datasets.map((d) => [d.name, `${d.name}: ${d.title}`])],
        value: state.dataset,
        onchange: (v) => { state.dataset = v; redraw(); },
      }),
    ),
    out,
  );

  async function draw() {
    setHashParams("coverage", state);
    const periods = [...new Set(entries.map((e) => e.period))].sort();
    const held = new Map();
    for (const e of entries) {
      if (!datasets.includes(e.dataset)) continue;
      const key = `${e.organisation} ${e.period}`;
      if (!held.has(key)) held.set(key, new Set());
      held.get(key).add(e.dataset);
    }
    const wanted = state.dataset ? [state.dataset] : datasets;
    const orgs = [...ref.organisations].sort((a, b) => a.name.localeCompare(b.name));
    const totals = periods.map(() => 0);
    const body = orgs.map((o) =>
      h(
        "tr",
        { dataset: { organisation: o.code }, class: o.code === ctx.own ? "own" : null },
        h("th", { scope: "row" }, o.code === ctx.own ? `${o.name} (you)` : o.name),
        periods.map((p, i) => {
          const have = held.get(`${o.code} ${p}`) || new Set();
          const n = wanted.filter((d) => have.has(d)).length;
          if (n === wanted.length) totals[i] += 1;
          const missing = wanted.filter((d) => !have.has(d));
          const cls = n === wanted.length ? "full" : n > 0 ? "part" : "none";
          const text = state.dataset ? (n ? "✓" : "–") : `${n}/${wanted.length}`;
          const described = state.dataset
            ? `${o.name}, ${p}: ${n ? "submitted" : "not submitted"}`
            : `${o.name}, ${p}: ${n} of ${wanted.length} datasets${missing.length ? `; missing ${missing.join(", ")}` : ""}`;
          return h(
            "td",
            { class: `cell ${cls}`, title: described, dataset: { period: p, count: String(n) } },
            h("span", { "aria-hidden": "true" }, text),
            h("span", { class: "visually-hidden" }, described),
          );
        }),
      ),
    );
    const foot = h(
      "tr",
      {},
      h("th", { scope: "row" }, state.dataset ? "Boroughs submitted" : "Boroughs with every dataset"),
      totals.map((t) => h("td", { class: "cell num" }, `${t}/${orgs.length}`)),
    );
    const grid = h(
      "table",
      { class: "grid", id: "coverage-grid" },
      h("caption", {}, state.dataset ? `Current ${state.dataset} submissions by quarter` : "Datasets with a current submission, of 6, by quarter"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Borough"), periods.map((p) => h("th", { scope: "col", class: "num" }, p)))),
      h("tbody", {}, body),
      h("tfoot", {}, foot),
    );
    out.replaceChildren(
      roundsTable(rounds, ctx.own),
      periods.length ? h("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-label": "Coverage by borough and quarter" }, grid) : h("p", { class: "info" }, "Nothing has been submitted yet."),
      h("p", { class: "note" }, "Green: every dataset shown is in; yellow: some; blank: none. Coverage lists current submissions only, for every borough, to every signed-in user."),
    );
  }

  await draw();
}

const when = (t) => (t ? new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC" : "–");

/** Each quarter's collection round: its state, deadline, releases, and the caller's own standing. */
function roundsTable(rounds, own) {
  if (!rounds.length) return null;
  const body = rounds.map((p) => {
    const latest = p.releases[p.releases.length - 1];
    const missingOwn = own && p.coverage.some((c) => c.missing.includes(own));
    const yours = !own ? null : missingOwn ? "some datasets not yet submitted" : p.unreleased_changes ? "submitted; changes provisional until the next release" : "submitted";
    return h(
      "tr",
      { dataset: { period: p.period, state: p.state } },
      h("th", { scope: "row" }, p.period),
      h("td", {}, p.state === "published" ? `published (release ${latest.release})` : "collecting: not yet published"),
      h("td", {}, when(p.deadline)),
      h("td", {}, when(p.release_at)),
      h("td", {}, latest ? when(latest.published_at) : "–"),
      h("td", {}, p.unreleased_changes ? "yes: provisional figures wait for the next release" : "no"),
      own ? h("td", {}, yours) : null,
    );
  });
  return h(
    "div",
    { class: "table-wrap", role: "region", tabindex: "0", "aria-label": "Collection rounds" },
    h(
      "table",
      { class: "grid", id: "rounds" },
      h("caption", {}, "Collection rounds: analysts see a quarter only once it is published, and then its latest release"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Quarter", "State", "Deadline", "Release date", "Latest release", "Unreleased changes"].map((t) => h("th", { scope: "col" }, t)),
          own ? h("th", { scope: "col" }, "Your borough") : null,
        ),
      ),
      h("tbody", {}, body),
    ),
  );
}
