// The hub's API, with the token the user pasted in, or the session of a
// person signed in with their council account (single sign-on). The token
// lives in sessionStorage only (gone when the tab closes), is sent in the
// Authorization header and never put in a URL or written to the console.
// A session is an HttpOnly cookie the page cannot read; requests that
// change something carry the session's CSRF token (kept in memory only)
// and the page's origin.

const KEY = "edi-hub-token";
const listeners = new Set();
let synthetic = false;
let csrf = null;

/** Remembers the CSRF token of the signed-in person's session (from /api/v1/whoami). */
export function setCsrf(value) {
  csrf = value || null;
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function setToken(value) {
  sessionStorage.setItem(KEY, value.trim());
  cache.clear();
}

export function clearToken() {
  sessionStorage.removeItem(KEY);
  cache.clear();
}

/** Called with `true` once any answer says the hub serves synthetic demo data. */
export function onSynthetic(fn) {
  listeners.add(fn);
  if (synthetic) fn(true);
}

function notice(response) {
  if (!synthetic && response.headers.get("x-edi-hub-data") === "synthetic-demo") {
    synthetic = true;
    listeners.forEach((fn) => fn(true));
  }
}

/** An error answer of the API: its status and problem document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `the hub answered ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

const cache = new Map();
let referenceList = null;
const MAX_PARALLEL = 6;
let running = 0;
const waiting = [];

async function slot() {
  if (running < MAX_PARALLEL) {
    running += 1;
    return;
  }
  await new Promise((resolve) => waiting.push(resolve));
}

function release() {
  const next = waiting.shift();
  if (next) next();
  else running -= 1;
}

async function send(path, options = {}) {
  const headers = new Headers(options.headers || {});
  const t = token();
  if (t) headers.set("Authorization", `Bearer ${t}`);
  if (!headers.has("Accept")) headers.set("Accept", "application/json");
  const method = (options.method || "GET").toUpperCase();
  const changes = !["GET", "HEAD", "OPTIONS"].includes(method);
  if (changes && csrf && !t) headers.set("X-CSRF-Token", csrf);
  // The page's own origin goes with every request that changes something
  // (the page's no-referrer policy would otherwise send "null").
  const referrerPolicy = changes ? "same-origin" : "no-referrer";
  await slot();
  try {
    for (let attempt = 0; ; attempt += 1) {
      const response = await fetch(path, { ...options, headers, cache: "no-store", credentials: "same-origin", referrerPolicy });
      notice(response);
      if (response.status === 429 && attempt < 5) {
        const wait = Number(response.headers.get("retry-after")) || 1;
        await new Promise((r) => setTimeout(r, Math.min(wait, 5) * 1000));
        continue;
      }
      return response;
    }
  } finally {
    release();
  }
}

/** A response's JSON body (null when empty; its first characters as `detail` when not JSON). */
async function readBody(response) {
  const text = await response.text();
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return { detail: text.slice(0, 300) };
  }
}

async function parse(response) {
  const body = await readBody(response);
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

/** How long an answer is reused (the data changes only when someone uploads). */
const KEEP_MS = 60_000;

/** GET a JSON answer; answers are reused for a minute (and dropped on sign-out or an upload). */
export function get(path, { fresh = false } = {}) {
  const kept = cache.get(path);
  if (!fresh && kept && Date.now() - kept.at < KEEP_MS) return kept.promise;
  const promise = send(path).then(parse);
  cache.set(path, { promise, at: Date.now() });
  promise.catch(() => cache.delete(path));
  return promise;
}

/** GET a text answer (the report's HTML) as `accept`; never cached. */
export async function getText(path, accept) {
  const response = await send(path, { headers: { Accept: accept } });
  if (!response.ok) throw new ApiError(response.status, await readBody(response));
  return response.text();
}

/** Forget cached answers (after an upload changes the data). */
export function forget() {
  cache.clear();
}

/** POST or PUT a file; resolves to {status, body} for 2xx and 422, throws otherwise. */
export async function sendFile(method, path, file, { contentType, encoding }) {
  const headers = { "Content-Type": contentType };
  if (encoding) headers["Content-Encoding"] = encoding;
  const response = await send(path, { method, headers, body: file });
  const body = await readBody(response);
  if (response.ok || response.status === 422) return { status: response.status, body };
  throw new ApiError(response.status, body);
}

/** How the hub signs people in (`/auth/config`); needs no token. */
export async function signInOptions() {
  try {
    const r = await fetch("/auth/config", { cache: "no-store" });
    return r.ok ? await r.json() : { single_sign_on: false };
  } catch {
    return { single_sign_on: false };
  }
}

/** Ends the signed-in person's session on the hub (the cookie goes too). */
export async function signOut() {
  const headers = { Accept: "application/json" };
  if (csrf) headers["X-CSRF-Token"] = csrf;
  const response = await fetch("/auth/logout", {
    method: "POST",
    headers,
    credentials: "same-origin",
    referrerPolicy: "same-origin",
    cache: "no-store",
  });
  csrf = null;
  cache.clear();
  if (!response.ok) throw new ApiError(response.status, await readBody(response));
}

/** The reference lists (authorities, groups, datasets); needs no token. */
export async function reference() {
  if (!referenceList) {
    referenceList = fetch("/dashboard/reference.json").then((r) => {
      notice(r);
      if (!r.ok) throw new ApiError(r.status, null);
      return r.json();
    });
    referenceList.catch(() => {
      referenceList = null;
    });
  }
  return referenceList;
}

/** Query string from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

export function benchmark(metric, params) {
  return get(`/api/v1/benchmarks/${encodeURIComponent(metric)}${query(params)}`);
}

export function metrics() {
  return get("/api/v1/metrics").then((m) => m.metrics);
}

/** Every quarter's collection round: state, schedule, releases, coverage. */
export function rounds() {
  return get("/api/v1/periods").then((p) => p.periods);
}

export function coverage() {
  return get("/api/v1/coverage").then((c) => c.coverage);
}

/**
 * Quarters to pick from, newest first: the published ones, and for a
 * borough's submitter or a steward (who see the latest data at once,
 * marked provisional) those still collecting too.
 */
export async function periods() {
  const [all, who] = await Promise.all([rounds(), get("/api/v1/whoami").catch(() => ({ role: "unknown" }))]);
  const provisional = who.role === "submitter" || who.role === "steward";
  return all.filter((p) => p.state === "published" || provisional).map((p) => p.period).sort().reverse();
}
