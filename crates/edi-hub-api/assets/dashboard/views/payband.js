// Representation by pay band: each group's share of each pay band (1 lowest
// to 6 highest) in one borough, beside London's and beside the group's
// share of the borough's residents, with the representation ratio.

import * as api from "../api.js";
import { bandBars, COLOURS } from "../charts.js";
import {
  h, controlsForm, stateSelect, boroughSelect, quarterSelect, table, legend, valueCell, groupLabel, organisation, setHashParams, busy,
  errorBox, loading, formatNumber, isSuppressed, suppressionNote,
  anyData,
} from "../ui.js";

const BANDS = ["1", "2", "3", "4", "5", "6"];
const SHARE = { id: "workforce_share", unit: "percent" };
const RATIO = { id: "representation_ratio", unit: "ratio" };

function groupSets(ref) {
  const sets = [
    ["high", "High-level groups", ref.high_level],
    ["summary", "Black, Asian and Multi-ethnic; White minority; White British", ["ethnic_minority", "white_minority", "white_british"]],
  ];
  const detailed = Object.keys(ref.groups).filter((c) => c.includes("_") && !["ethnic_minority", "white_minority", "not_stated"].includes(c));
  for (const family of ref.high_level) {
    const codes = detailed.filter((c) => c.startsWith(`${family}_`));
    if (codes.length) sets.push([family, `${groupLabel(ref, family)}: detailed groups`, codes]);
  }
  return sets;
}

/** Residents share implied by a share and its representation ratio (share / ratio). */
function residentsShare(pairs) {
  for (const { share, ratio } of pairs) {
    if (typeof share?.value === "number" && typeof ratio?.value === "number" && ratio.value > 0) return share.value / ratio.value;
  }
  return null;
}

export async function render(root, ctx, params) {
  const periods = await api.periods();
  const { ref } = ctx;
  if (!anyData(root, "Representation by pay band", periods)) return;
  const sets = groupSets(ref);
  const state = { ...params };
  if (!periods.includes(state.period)) state.period = periods[0];
  if (!sets.some(([id]) => id === state.groups)) state.groups = "high";
  const out = h("div", { class: "view-output" });
  const redraw = () => busy(draw).catch((err) => out.replaceChildren(errorBox(err)));
  root.replaceChildren(
    h("h1", {}, "Representation by pay band"),
    h("p", { class: "lead" }, "Each ethnic group's share of staff in every pay band (1 lowest to 6 highest), beside London's share and the group's share of the borough's residents. The representation ratio divides the two: 1.0 is representative."),
    controlsForm(
      boroughSelect(ctx, state, redraw),
      quarterSelect(periods, state, redraw),
      stateSelect({ id: "pick-groups", label: "Groups", options: sets.map(([id, label]) => [id, label]), state, key: "groups", onchange: redraw }),
    ),
    out,
  );

  async function draw() {
    const org = organisation(ref, state.organisation);
    const groups = sets.find(([id]) => id === state.groups)[2];
    setHashParams("payband", state);
    out.replaceChildren(loading(`Loading ${groups.length * BANDS.length * 2} benchmark answers…`));
    const fetchOne = (metric, group, band) => api.benchmark(metric, { period: state.period, group, pay_band: band });
    const data = await Promise.all(
      groups.map(async (group) => {
        const bands = await Promise.all(
          BANDS.map(async (band) => {
            const [share, ratio] = await Promise.all([fetchOne(SHARE.id, group, band), fetchOne(RATIO.id, group, band)]);
            const ownOf = (a) => a.rows.find((r) => r.scope === "organisation" && r.organisation === org.code) || null;
            const londonOf = (a) => a.rows.find((r) => r.scope === "london") || null;
            return { band, share: ownOf(share), ratio: ownOf(ratio), londonShare: londonOf(share), londonRatio: londonOf(ratio) };
          }),
        );
        return {
          group,
          bands,
          residents: residentsShare(bands.map((b) => ({ share: b.share, ratio: b.ratio }))),
          londonResidents: residentsShare(bands.map((b) => ({ share: b.londonShare, ratio: b.londonRatio }))),
        };
      }),
    );
    const own = org.code === ctx.own;
    const charts = h("div", { class: "small-multiples", style: "display:grid;grid-template-columns:repeat(auto-fill,minmax(270px,1fr));gap:1rem" });
    out.replaceChildren(
      legend([
        { label: `${org.name}: share of the pay band`, color: own ? COLOURS.own : COLOURS.bar },
        { label: "London: share of the pay band", color: COLOURS.london, kind: "line" },
        { label: `share of ${org.name}'s residents`, color: COLOURS.residents, kind: "dashed" },
      ]),
      charts,
    );
    for (const g of data) {
      const title = `${groupLabel(ref, g.group)}: ${org.name}, ${state.period}`;
      const box = h("figure", { class: "band-chart" }, h("figcaption", {}, groupLabel(ref, g.group)));
      charts.append(box);
      const bands = g.bands.map((b) => ({
        band: b.band,
        share: b.share && !isSuppressed(b.share, "value") ? b.share.value : null,
        suppressed: b.share ? isSuppressed(b.share, "value") : false,
        london: b.londonShare && !isSuppressed(b.londonShare, "value") ? b.londonShare.value : null,
      }));
      box.append(bandBars({ bands, residents: g.residents, container: box, title, own }));
      if (bands.some((b) => b.suppressed)) box.append(suppressionNote());
      box.append(
        h("p", { class: "note" }, `Residents: ${g.residents === null ? "not known" : formatNumber(g.residents, "percent")}` + (g.londonResidents === null ? "" : `; London ${formatNumber(g.londonResidents, "percent")}`)),
      );
    }
    const rows = data.flatMap((g) => g.bands.map((b) => ({ ...b, group: g.group, residents: g.residents, _data: { group: g.group, band: b.band } })));
    const none = (column = "value") => h("td", { class: "num", title: "no data for this borough", dataset: { column } }, "–");
    out.append(
      h(
        "details",
        { class: "table-view" },
        h("summary", {}, "Table view: every group and band"),
        table({
          caption: `${org.name}, ${state.period}: share of each pay band and representation ratio`,
          id: "payband-table",
          rows,
          columns: [
            { label: "Group", header: true, cell: (r) => groupLabel(ref, r.group) },
            { label: "Pay band", num: true, cell: (r) => r.band },
            { label: `${org.name} share`, num: true, cell: (r) => (r.share ? valueCell(r.share, "value", SHARE) : none()) },
            { label: "Staff in group", num: true, cell: (r) => (r.share ? valueCell(r.share, "numerator", SHARE) : none("numerator")) },
            { label: "Staff in band (known ethnicity)", num: true, cell: (r) => (r.share ? valueCell(r.share, "denominator", SHARE) : none("denominator")) },
            { label: "Share of residents", num: true, cell: (r) => (r.residents === null ? "–" : formatNumber(r.residents, "percent")) },
            { label: "Representation ratio", num: true, cell: (r) => (r.ratio ? valueCell(r.ratio, "value", RATIO) : none()) },
            { label: "London share", num: true, cell: (r) => (r.londonShare ? valueCell(r.londonShare, "value", SHARE) : none()) },
            { label: "London ratio", num: true, cell: (r) => (r.londonRatio ? valueCell(r.londonRatio, "value", RATIO) : none()) },
          ],
        }),
      ),
      h("p", { class: "note" }, "The share of residents is the group's share of the borough's usual residents (Census 2021, from the hub's population table), worked out as the share of a pay band divided by its representation ratio. A group reported only at a higher level (for example \u201cBlack\u201d without detail) has no figure for its detailed groups."),
    );
  }

  await draw();
}
