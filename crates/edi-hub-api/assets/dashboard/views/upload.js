// Upload: choose or drop a file, check it (every problem in a table), then submit.

import * as api from "../api.js";
import { h, stateSelect, quarterSelect, table, setHashParams, errorBox, organisation } from "../ui.js";

const TYPES = {
  csv: "text/csv",
  parquet: "application/vnd.apache.parquet",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** Content type and encoding of a file, from its name. */
export function fileKind(name) {
  const lower = name.toLowerCase();
  const gz = lower.endsWith(".gz");
  const base = gz ? lower.slice(0, -3) : lower;
  const ext = base.split(".").pop();
  const contentType = TYPES[ext] || (ext === "pq" ? TYPES.parquet : null);
  return { contentType, encoding: gz ? "gzip" : null };
}

/** Dataset and quarter named in a file name, e.g. "harrow_workforce_2025-Q1.csv". */
export function guessFromName(name, datasets) {
  const lower = name.toLowerCase();
  const dataset = datasets.find((d) => new RegExp(`(^|[^a-z])${d}([^a-z]|$)`).test(lower)) || null;
  const m = lower.match(/(\d{4})[-_ ]?q([1-4])/);
  return { dataset, period: m ? `${m[1]}-Q${m[2]}` : null };
}

function quarters(current, n) {
  const [y, q] = current.split("-Q").map(Number);
  const out = [];
  let year = y;
  let quarter = q;
  for (let i = 0; i < n; i += 1) {
    out.push(`${year}-Q${quarter}`);
    quarter -= 1;
    if (quarter === 0) {
      quarter = 4;
      year -= 1;
    }
  }
  return out;
}

/** A refusal: the hub's explanation, that nothing was stored, and every problem. */
function refused(heading, body) {
  return [
    h("div", { class: "alert", role: "alert" }, h("strong", {}, heading), body?.detail || "", " Nothing was stored."),
    problemsTable(body?.errors || []),
  ];
}

function problemsTable(problems) {
  const rows = problems.map((p, i) => ({ ...p, _data: { index: String(i) } }));
  return table({
    caption: `${problems.length} ${problems.length === 1 ? "problem" : "problems"} in the file`,
    id: "problems-table",
    rows,
    columns: [
      { label: "Row", num: true, cell: (p) => (p.row === null || p.row === undefined ? "file" : String(p.row)) },
      { label: "Column", cell: (p) => (p.column ? h("code", {}, p.column) : "–") },
      { label: "Problem", cell: (p) => p.message },
    ],
  });
}

export async function render(root, ctx, params) {
  const { ref, who } = ctx;
  const datasets = ref.datasets.map((d) => d.name);
  const periods = quarters(ref.current_period, 12);
  const state = {
    dataset: datasets.includes(params.dataset) ? params.dataset : "workforce",
    period: periods.includes(params.period) ? params.period : periods[1],
  };
  let file = null;
  const submitter = who?.role === "submitter" && who.organisation;
  const result = h("div", { id: "upload-result", "aria-live": "polite" });
  const fileName = h("p", { id: "file-name", class: "note" }, "No file chosen.");
  const input = h("input", { type: "file", id: "upload-file", accept: `.csv,.parquet,.xlsx,.gz,text/csv,${TYPES.xlsx}`, class: "visually-hidden" });
  const checkButton = h("button", { type: "button", id: "check-button", disabled: true }, "Check file");
  const submitButton = h("button", { type: "button", id: "submit-button", disabled: true }, "Submit");
  const datasetField = stateSelect({ id: "pick-dataset", label: "Dataset", options: ref.datasets.map((d) => [d.name, `${d.name}: ${d.title}`]), state, key: "dataset", onchange: changed });
  const periodField = quarterSelect(periods, state, changed);

  const choose = (f) => {
    file = f || null;
    if (!file) {
      fileName.textContent = "No file chosen.";
    } else {
      fileName.textContent = `Chosen: ${file.name} (${file.size.toLocaleString("en-GB")} bytes)`;
      const guess = guessFromName(file.name, datasets);
      if (guess.dataset) {
        state.dataset = guess.dataset;
        datasetField.querySelector("select").value = guess.dataset;
      }
      if (guess.period && periods.includes(guess.period)) {
        state.period = guess.period;
        periodField.querySelector("select").value = guess.period;
      }
    }
    changed();
  };
  input.addEventListener("change", () => choose(input.files[0]));

  const drop = h(
    "div",
    { class: "dropzone", id: "dropzone" },
    h("p", {}, "Drop a CSV, Excel (.xlsx) or Parquet file here, or ", h("label", { for: "upload-file" }, "choose a file"), "."),
    input,
    fileName,
  );
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) drop.addEventListener(type, () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer?.files?.length) choose(e.dataTransfer.files[0]);
  });
  // The label is the keyboard route to the file picker: make it focusable.
  drop.querySelector("label").setAttribute("tabindex", "0");
  drop.querySelector("label").addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      input.click();
    }
  });

  function changed() {
    setHashParams("upload", state);
    checkButton.disabled = !file;
    submitButton.disabled = true;
    result.replaceChildren();
  }

  function kindOrComplain() {
    const kind = fileKind(file.name);
    if (!kind.contentType) {
      result.replaceChildren(h("div", { class: "alert", role: "alert" }, "The file name must end in .csv, .xlsx or .parquet (optionally followed by .gz)."));
      return null;
    }
    return kind;
  }

  checkButton.addEventListener("click", async () => {
    if (!file) return;
    const kind = kindOrComplain();
    if (!kind) return;
    const main = document.getElementById("view");
    main.dataset.state = "loading";
    result.replaceChildren(h("p", { class: "loading", role: "status" }, "Checking…"));
    try {
      const { status, body } = await api.sendFile("POST", `/api/v1/validate/${state.dataset}`, file, kind);
      if (status === 200) {
        result.replaceChildren(
          h("div", { class: "ok", role: "status", id: "check-ok" }, h("strong", {}, "The file passed every check: "), `${body.rows} data rows, ready to submit as ${state.dataset} for ${state.period}.`),
        );
        submitButton.disabled = !submitter;
      } else {
        result.replaceChildren(...refused("The file did not pass validation. ", body));
      }
      main.dataset.state = "ready";
    } catch (err) {
      result.replaceChildren(errorBox(err));
      main.dataset.state = "error";
    }
  });

  submitButton.addEventListener("click", async () => {
    if (!file || !submitter) return;
    const kind = kindOrComplain();
    if (!kind) return;
    const main = document.getElementById("view");
    main.dataset.state = "loading";
    submitButton.disabled = true;
    result.replaceChildren(h("p", { class: "loading", role: "status" }, "Submitting…"));
    try {
      const path = `/api/v1/submissions/${who.organisation}/${state.dataset}/${state.period}`;
      const { status, body } = await api.sendFile("PUT", path, file, kind);
      if (status === 201) {
        api.forget();
        result.replaceChildren(
          h("div", { class: "ok", role: "status", id: "submit-ok" }, h("strong", {}, "Submitted. "), `${body.rows} rows stored as ${body.dataset} for ${body.period}${body.supersedes ? ", replacing the earlier submission" : ""}.`),
          table({
            caption: "Receipt",
            id: "receipt-table",
            rows: [
              ["Submission id", body.id],
              ["Organisation", `${organisation(ref, body.organisation)?.name || body.organisation} (${body.organisation})`],
              ["Dataset", body.dataset],
              ["Quarter", body.period],
              ["Rows", String(body.rows)],
              ["Checksum", body.checksum],
              ["Replaces", body.supersedes || "nothing"],
              ["Received", body.received_at],
            ],
            columns: [
              { label: "Field", header: true, cell: (r) => r[0] },
              { label: "Value", cell: (r) => r[1] },
            ],
          }),
        );
      } else {
        result.replaceChildren(...refused("The upload was refused. ", body));
      }
      main.dataset.state = "ready";
    } catch (err) {
      result.replaceChildren(errorBox(err));
      main.dataset.state = "error";
    }
  });

  const orgLine = submitter
    ? h("p", {}, "Submitting for ", h("strong", { id: "upload-organisation" }, who.organisation_name || who.organisation), ` (${who.organisation}).`)
    : h(
        "div",
        { class: "info" },
        h("strong", {}, "You can check files here. "),
        `Submitting needs a submitter token of the borough (this token's role is ${who?.role || "unknown"}). A borough's submitter signs in with its own token to submit.`,
      );
  root.replaceChildren(
    h("h1", {}, "Upload a quarterly dataset"),
    h("p", { class: "lead" }, "Check a file first: every problem is listed with its row and column, and nothing is stored. Then submit it; a later submission for the same dataset and quarter replaces the earlier one (both stay in the history)."),
    orgLine,
    h("form", { class: "controls", "aria-label": "File and where it goes", onsubmit: (e) => e.preventDefault() }, datasetField, periodField),
    drop,
    h("div", { class: "controls" }, checkButton, submitButton),
    result,
    h(
      "p",
      { class: "note" },
      "Formats: CSV (UTF-8, header row), Excel workbooks (.xlsx: the sheet named after the dataset, else the first visible sheet, with the column names in row 1; problems name the sheet and cell as Excel shows them) or Parquet, optionally gzip-compressed (.gz). Each dataset's columns are described in the API documentation; ",
      h("code", {}, "edi-hub template DATASET"),
      " prints a valid example file, and ",
      h("code", {}, "--format xlsx --out DATASET.xlsx"),
      " writes a ready-to-fill workbook.",
    ),
  );
  changed();
}
