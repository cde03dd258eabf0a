import { beforeAll, describe, expect, it, type MockInstance, vi } from "vitest";
import { captureLogs, lookup, request, seedLinkedChat, seedToken, useWorker } from "../helpers";
import { AccessTeam } from "../support/access-team";

const AUD = "4714c1358e65fe4b408ad6d432a5f878f08194bdb4752441fd56faefa9b2b6f2";

let team: AccessTeam;
let stranger: AccessTeam;
beforeAll(async () => {
  team = await AccessTeam.create("console-team");
  // Another key pair under the same team name: a forger's.
  stranger = await AccessTeam.create("console-team");
});

/** Answers the team's certs document to the middleware's fetch; anything else fails the test. */
function serveCerts(certs: () => Promise<Response>): MockInstance<typeof fetch> {
  return vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url !== team.certsUrl) throw new Error(`unexpected fetch of ${url}`);
    return certs();
  });
}

/** A Worker behind Access for `team`, with its certs served; the spy counts the fetches. */
function behindAccess(vars: { ACCESS_TEAM_DOMAIN?: string; ACCESS_AUD?: string } = {}) {
  useWorker({ vars: { ACCESS_TEAM_DOMAIN: team.domain, ACCESS_AUD: AUD, ...vars } });
  return serveCerts(async () => Response.json(await team.certs()));
}

function withJwt(jwt: string): RequestInit {
  return { headers: { "Cf-Access-Jwt-Assertion": jwt } };
}

/** The refusal: 403 JSON with the headers every response carries, never the page. */
async function expectRefused(response: Response): Promise<void> {
  expect(response.status).toBe(403);
  expect(response.headers.get("Content-Type")).toContain("application/json");
  expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
  expect(response.headers.get("Cache-Control")).toBe("no-store");
  expect(await response.json()).toEqual({ error: "Permission denied" });
}

describe("Cloudflare Access in front of /console", () => {
  it("is off when ACCESS_TEAM_DOMAIN and ACCESS_AUD are empty, as wrangler.toml ships them", async () => {
    const fetches = serveCerts(async () => new Response(null, { status: 500 }));
    const response = await request("/console");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    expect(fetches).not.toHaveBeenCalled();
  });

  it.each(["/console", "/console/main.js", "/console/console.css"])(
    "refuses %s without a Cf-Access-Jwt-Assertion with 403 JSON, fetching no keys",
    async (path) => {
      const fetches = behindAccess();
      await expectRefused(await request(path));
      expect(fetches).not.toHaveBeenCalled();
    },
  );

  it("serves the page and its files with a valid assertion, fetching the team's keys once", async () => {
    const fetches = behindAccess();
    const jwt = await team.jwt(AUD);
    const page = await request("/console", withJwt(jwt));
    expect(page.status).toBe(200);
    expect(page.headers.get("Content-Type")).toContain("text/html");
    expect(page.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    expect((await request("/console/main.js", withJwt(jwt))).status).toBe(200);
    expect(fetches).toHaveBeenCalledTimes(1);
  });

  it("accepts Access's CF_Authorization cookie, as a browser sends it", async () => {
    behindAccess();
    const response = await request("/console", {
      headers: { Cookie: `CF_Authorization=${await team.jwt(AUD)}` },
    });
    expect(response.status).toBe(200);
  });

  it("accepts any of several audiences (comma-separated)", async () => {
    behindAccess({ ACCESS_AUD: `other-application, ${AUD}` });
    expect((await request("/console", withJwt(await team.jwt(AUD)))).status).toBe(200);
  });

  it.each<[string, () => Promise<string>]>([
    ["signed by another key", () => stranger.jwt(AUD)],
    ["for another application", () => team.jwt("another-aud")],
    ["from another team", () => team.jwt(AUD, { iss: "https://other-team.cloudflareaccess.com" })],
    ["expired", () => team.jwt(AUD, { exp: Math.floor(Date.now() / 1000) - 3600 })],
    ["not valid yet", () => team.jwt(AUD, { nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ["with another algorithm", () => team.jwt(AUD, {}, { alg: "HS256" })],
    ["unsigned", async () => (await team.jwt(AUD, {}, { alg: "none" })).replace(/\.[^.]+$/, ".")],
    ["not a JWT", async () => "not-a-jwt"],
  ])("refuses an assertion %s with 403 JSON", async (_, jwt) => {
    behindAccess();
    await expectRefused(await request("/console", withJwt(await jwt())));
  });

  it("answers 500, never the page, when the team's keys cannot be fetched", async () => {
    useWorker({ vars: { ACCESS_TEAM_DOMAIN: team.domain, ACCESS_AUD: AUD } });
    serveCerts(async () => new Response("unavailable", { status: 503 }));
    const { result: response } = await captureLogs(() => request("/console", withJwt("a.b.c")));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "Internal Server Error" });
  });

  it.each([
    ["a team domain without an audience", { ACCESS_AUD: "" }],
    ["an audience without a team domain", { ACCESS_TEAM_DOMAIN: "" }],
    ["a team domain that is not Access's", { ACCESS_TEAM_DOMAIN: "console.example.com" }],
  ])("closes /console with 500 on %s, and logs why", async (_, vars) => {
    const fetches = behindAccess(vars);
    const { result: response, logs } = await captureLogs(() =>
      request("/console", withJwt("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")),
    );
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "Internal Server Error" });
    expect(logs).toContain("invalid configuration: ACCESS_TEAM_DOMAIN");
    expect(fetches).not.toHaveBeenCalled();
  });

  it("accepts the team domain as the dashboard shows it, with https:// and a trailing slash", async () => {
    behindAccess({ ACCESS_TEAM_DOMAIN: `https://${team.domain}/` });
    expect((await request("/console", withJwt(await team.jwt(AUD)))).status).toBe(200);
  });

  it("leaves the API to its bearer tokens: a lookup needs no assertion", async () => {
    const fetches = behindAccess();
    const { chatId, record } = await seedLinkedChat();
    const response = await lookup(chatId, await seedToken());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ success: true, record });
    expect(fetches).not.toHaveBeenCalled();
  });
});
