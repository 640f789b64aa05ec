// Borough report: the hub's printable report of one borough for one quarter
// (GET /api/v1/organisations/{organisation}/report), shown in the page as the
// hub wrote it and laid out for A4 when printed or saved as PDF. Its figures
// are the profile's for the same token: a withheld figure prints as [c].

import * as api from "../api.js";
import {
  h, controlsForm, boroughSelect, quarterSelect, setHashParams, busy, errorBox, loading, anyData, organisation,
} from "../ui.js";

export async function render(root, ctx, params) {
  const periods = await api.periods();
  if (!anyData(root, "Borough report", periods)) return;
  const state = { ...params };
  if (!periods.includes(state.period)) state.period = periods[0];
  const out = h("div", { class: "view-output report-output" });
  const failed = (err) => out.replaceChildren(h("h1", {}, "Borough report"), errorBox(err));
  const redraw = () => busy(draw).catch(failed);
  const print = h("button", { type: "button", id: "print-report", onclick: () => window.print() }, "Print or save as PDF");
  root.replaceChildren(
    h(
      "div",
      { class: "report-controls" },
      h("p", { class: "lead" }, "A printable report of one borough for one quarter: every measure beside London and its comparison groups, with charts, a sentence each and its targets. It prints on three A4 pages; choose \u201cSave as PDF\u201d in the print dialogue for a PDF."),
      controlsForm(
        boroughSelect(ctx, state, redraw),
        quarterSelect(periods, state, redraw),
        h("div", { class: "field" }, print),
      ),
    ),
    out,
  );

  async function draw() {
    const org = organisation(ctx.ref, state.organisation);
    setHashParams("report", state);
    out.replaceChildren(loading());
    print.disabled = true;
    const html = await api.getText(`/api/v1/organisations/${org.code}/report?period=${encodeURIComponent(state.period)}`, "text/html");
    // The hub escapes everything it writes; parsing it runs nothing.
    const doc = new DOMParser().parseFromString(html, "text/html");
    const article = doc.getElementById("report");
    const style = doc.querySelector("head style");
    if (!article || !style) throw new Error("the hub's answer holds no report");
    out.replaceChildren(document.adoptNode(style), document.adoptNode(article));
    print.disabled = false;
  }

  try {
    await draw();
  } catch (err) {
    if (err.status === 401) throw err;
    failed(err);
  }
}
