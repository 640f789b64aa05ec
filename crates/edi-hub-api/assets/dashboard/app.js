// The dashboard's shell: sign-in, the synthetic-data banner, and the views
// behind the tabs (routed by the location hash, which never holds the token).

import * as api from "./api.js";
import { h, hashState, errorBox, loading, nodes } from "./ui.js";
import * as metricView from "./views/metric.js";
import * as trendView from "./views/trend.js";
import * as paybandView from "./views/payband.js";
import * as profileView from "./views/profile.js";
import * as reportView from "./views/report.js";
import * as coverageView from "./views/coverage.js";
import * as uploadView from "./views/upload.js";

const VIEWS = {
  metric: { module: metricView, title: "Benchmark" },
  trend: { module: trendView, title: "Trend" },
  payband: { module: paybandView, title: "Pay bands" },
  profile: { module: profileView, title: "Borough profile" },
  report: { module: reportView, title: "Borough report" },
  coverage: { module: coverageView, title: "Coverage" },
  upload: { module: uploadView, title: "Upload" },
};

const HIGHLIGHT_KEY = "edi-hub-highlight";
const main = document.getElementById("view");
const ctx = {
  ref: null,
  who: null,
  /** The organisation highlighted as "yours": a submitter's own, or the one an analyst picked. */
  get own() {
    return this.who?.organisation || sessionStorage.getItem(HIGHLIGHT_KEY) || "";
  },
  setOwn(code) {
    if (this.who?.organisation) return;
    if (code) sessionStorage.setItem(HIGHLIGHT_KEY, code);
    else sessionStorage.removeItem(HIGHLIGHT_KEY);
  },
};
let renderSeq = 0;

api.onSynthetic(() => {
  document.getElementById("synthetic-banner").hidden = false;
});

function roleText(who) {
  if (!who) return "";
  const role = { steward: "Data steward", analyst: "Analyst", submitter: "Submitter" }[who.role] || "Signed in";
  const org = who.organisation_name ? ` for ${who.organisation_name}` : "";
  const label = who.label ? ` (${who.label})` : "";
  return `${role}${org}${label}`;
}

function showSignedIn() {
  const signedIn = Boolean(ctx.who);
  document.getElementById("signin").hidden = signedIn;
  document.getElementById("signed-in").hidden = !signedIn;
  document.getElementById("who").textContent = signedIn ? roleText(ctx.who) : "";
}

/** Finds out who the stored token is; clears it when the hub refuses it. */
async function identify() {
  if (!api.token()) {
    ctx.who = null;
    return null;
  }
  try {
    ctx.who = await api.get("/api/v1/whoami");
  } catch (err) {
    if (err.status === 401) {
      api.clearToken();
      ctx.who = null;
      throw err;
    }
    // A hub without /whoami: the token works for reading, role unknown.
    await api.metrics();
    ctx.who = { role: "unknown", organisation: null };
  }
  return ctx.who;
}

function signInPrompt(problem) {
  main.replaceChildren(...nodes(
    h("h1", {}, "Sign in"),
    problem ? errorBox(problem) : null,
    h(
      "p",
      { class: "lead" },
      "Paste your API token into the box at the top of the page. It is kept only in this browser tab (session storage) and sent to the hub with each request; it is never put in a link.",
    ),
    h(
      "p",
      {},
      "Tokens are issued by your data steward (",
      h("code", {}, "edi-hub token create"),
      "). A demo hub (",
      h("code", {}, "edi-hub demo"),
      ") prints one for each role when it starts.",
    ),
  ));
  document.getElementById("token-input").focus();
}

function markTab(view) {
  for (const a of document.querySelectorAll(".tabs a")) {
    if (a.dataset.view === view) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
}

async function route({ focus = false } = {}) {
  const seq = ++renderSeq;
  const { view, params } = hashState();
  const entry = VIEWS[view] || VIEWS.metric;
  const name = VIEWS[view] ? view : "metric";
  markTab(name);
  document.title = `${entry.title} · EDI Hub dashboard`;
  if (!ctx.who) {
    signInPrompt();
    return;
  }
  main.replaceChildren(loading());
  main.dataset.view = name;
  main.dataset.state = "loading";
  try {
    const container = h("div", { class: "view-body" });
    main.replaceChildren(container);
    await entry.module.render(container, ctx, params, () => seq !== renderSeq);
    if (seq === renderSeq) main.dataset.state = "ready";
  } catch (err) {
    if (seq !== renderSeq) return;
    if (err.status === 401) {
      api.clearToken();
      ctx.who = null;
      showSignedIn();
      signInPrompt(err);
      return;
    }
    main.replaceChildren(h("h1", {}, entry.title), errorBox(err));
    main.dataset.state = "error";
  }
  if (focus && seq === renderSeq) main.focus({ preventScroll: true });
}

document.getElementById("signin").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("token-input");
  const value = input.value.trim();
  input.value = "";
  if (!value) return;
  api.setToken(value);
  try {
    await identify();
    showSignedIn();
    route({ focus: true });
  } catch (err) {
    showSignedIn();
    signInPrompt(err);
  }
});

document.getElementById("signout").addEventListener("click", () => {
  api.clearToken();
  sessionStorage.removeItem(HIGHLIGHT_KEY);
  ctx.who = null;
  showSignedIn();
  route();
});

window.addEventListener("hashchange", () => route({ focus: true }));

// The skip link moves focus to the view without touching the hash (which holds the view's state).
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

let resizeTimer = null;
let lastWidth = window.innerWidth;
window.addEventListener("resize", () => {
  if (Math.abs(window.innerWidth - lastWidth) < 40) return;
  lastWidth = window.innerWidth;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => route(), 300);
});

async function boot() {
  try {
    ctx.ref = await api.reference();
  } catch (err) {
    main.replaceChildren(errorBox(err));
    return;
  }
  try {
    await identify();
  } catch (err) {
    showSignedIn();
    signInPrompt(err);
    return;
  }
  showSignedIn();
  route();
}

boot();
