// A real OpenID provider for the EDI Hub's sign-in tests: the certified
// oidc-provider, with one registered client (the hub) and a few accounts
// whose email claims the tests know. Its development login page signs in
// any known account name with any password.
//
// Settings come from the environment (scripts/oidc-provider.sh sets them):
//   OIDC_PORT           port to listen on (127.0.0.1 and ::1)
//   OIDC_ISSUER         issuer URL, e.g. http://localhost:PORT
//   OIDC_CLIENT_ID      the hub's client id
//   OIDC_CLIENT_SECRET  the hub's client secret
//   OIDC_REDIRECT_URI   the hub's callback, {public-url}/auth/callback
// It prints "oidc-provider listening on ISSUER" when ready.

import http from "node:http";
import Provider from "oidc-provider";

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};

const port = Number(env("OIDC_PORT"));
const issuer = env("OIDC_ISSUER");
const clientId = env("OIDC_CLIENT_ID");

/** The test accounts: login name -> claims. */
const ACCOUNTS = {
  submitter: { email: "sam.submitter@harrow.example.gov.uk", name: "Sam Submitter", groups: ["harrow-hr"] },
  analyst: { email: "ana.analyst@london.example.gov.uk", name: "Ana Analyst", groups: ["data-task-group"] },
  steward: { email: "stef.steward@london.example.gov.uk", name: "Stef Steward", groups: [] },
  unmapped: { email: "uma.unmapped@camden.example.gov.uk", name: "Uma Unmapped", groups: ["someone-else"] },
};

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: env("OIDC_CLIENT_SECRET"),
      redirect_uris: [env("OIDC_REDIRECT_URI")],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  // Scope claims go into the ID token (as Entra ID, Google and Keycloak put them).
  conformIdTokenClaims: false,
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "groups"],
  },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["edi-hub test provider cookie key, not a secret"] },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: account.email, email_verified: true, name: account.name, groups: account.groups };
      },
    };
  },
  // The hub is a first-party client: no consent page.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile");
    await grant.save();
    return grant;
  },
};

const provider = new Provider(issuer, configuration);
const handler = provider.callback();
const hosts = ["127.0.0.1", "::1"];
let listening = 0;
for (const host of hosts) {
  const server = http.createServer(handler);
  server.on("error", (err) => {
    if (host === "::1") return; // no IPv6 loopback on this machine
    console.error(err);
    process.exit(1);
  });
  server.listen(port, host, () => {
    listening += 1;
    if (listening === 1) console.log(`oidc-provider listening on ${issuer}`);
  });
}
