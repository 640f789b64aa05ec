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
/** How the hub signs people in: `single_sign_on` when it offers council accounts. */
let signInOptions = { single_sign_on: false };

api.onSynthetic(() => {
  document.getElementById("synthetic-banner").hidden = false;
});

function roleText(who) {
  if (!who) return "";
  const role = { steward: "Data steward", analyst: "Analyst", submitter: "Submitter" }[who.role] || "Signed in";
  const org = who.organisation_name ? ` for ${who.organisation_name}` : "";
  if (who.session) {
    const person = who.session.name ? `${who.session.name} (${who.session.email})` : who.session.email;
    return `${person} · ${role}${org}`;
  }
  const label = who.label ? ` (${who.label})` : "";
  return `${role}${org}${label}`;
}

function showSignedIn() {
  const signedIn = Boolean(ctx.who);
  document.getElementById("signin").hidden = signedIn;
  document.getElementById("sso").hidden = signedIn || !signInOptions.single_sign_on;
  document.getElementById("signed-in").hidden = !signedIn;
  document.getElementById("who").textContent = signedIn ? roleText(ctx.who) : "";
}

/**
 * Finds out who is signed in: the stored token (cleared when the hub
 * refuses it), else a council-account session (its cookie is sent with
 * every request; without one the hub answers 401 and nobody is signed in).
 */
async function identify() {
  if (!api.token()) {
    ctx.who = null;
    api.setCsrf(null);
    if (!signInOptions.single_sign_on) return null;
    try {
      const who = await api.get("/api/v1/whoami", { fresh: true });
      if (who.session) {
        api.setCsrf(who.session.csrf_token);
        ctx.who = who;
      }
    } catch (err) {
      if (err.status !== 401) throw err;
      api.forget();
    }
    return ctx.who;
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
    signInOptions.single_sign_on
      ? h(
          "p",
          { class: "lead" },
          "Sign in with your council account (the button at the top of the page), or paste an API token into the box beside it.",
        )
      : null,
    h(
      "p",
      { class: signInOptions.single_sign_on ? "" : "lead" },
      "An API token pasted into the box at the top of the page is kept only in this browser tab (session storage) and sent to the hub with each request; it is never put in a link.",
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
  const first = signInOptions.single_sign_on ? document.getElementById("sso") : document.getElementById("token-input");
  first.focus();
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
      api.setCsrf(null);
      api.forget();
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

document.getElementById("signout").addEventListener("click", async () => {
  const session = Boolean(ctx.who?.session);
  api.clearToken();
  sessionStorage.removeItem(HIGHLIGHT_KEY);
  if (session) {
    try {
      await api.signOut();
    } catch (err) {
      main.replaceChildren(h("h1", {}, "Sign out"), errorBox(err));
      main.dataset.state = "error";
      return;
    }
  }
  api.setCsrf(null);
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
    [ctx.ref, signInOptions] = await Promise.all([api.reference(), api.signInOptions()]);
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
