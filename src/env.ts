/**
 * The typed configuration read from the Worker's variables.
 * `Env` itself is generated from wrangler.toml by `npm run cf-typegen` (worker-configuration.d.ts).
 */
import * as z from "zod";
import type { CachePolicyOverrides } from "./cache/policy";
import { lazy } from "./lib/lazy";

// Built by the first request, which reads the configuration once per instance, not at every cold
// start: zod's number, coercion and default schemas serve only here and cost most to build.
const configSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    LOOKUP_TIMEOUT_MS: z.coerce.number().int().min(1).max(60_000).default(5000),
    // Cache settings: unset, the policy's defaults apply (src/cache/policy.ts).
    // KV rejects an expirationTtl below 60 seconds.
    CACHE_TTL_SECONDS: z.coerce.number().int().min(60).max(31_536_000).optional(),
    // 0 turns the in-memory tier off; other instances may serve a value this old after a write.
    MEMORY_CACHE_TTL_MS: z.coerce.number().int().min(0).max(60_000).optional(),
    // A KV read slower than this is treated as a miss: a hanging cache must not become a 408.
    CACHE_READ_TIMEOUT_MS: z.coerce.number().int().min(1).max(10_000).optional(),
    // Must equal the period of the RATE_LIMITER binding: it is what Retry-After tells callers.
    RATE_LIMIT_PERIOD_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
    ALLOWED_ORIGINS: z.string().default(""),
    // Cloudflare Access in front of /console: both set, or neither (src/middleware/cloudflare-access.ts).
    ACCESS_TEAM_DOMAIN: z.string().trim().default(""),
    ACCESS_AUD: z.string().default(""),
    EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
    // Local only (npm start, the tests): never in wrangler.toml, so a deploy never sets it.
    ALLOW_LOCAL_WEBHOOKS: z.enum(["true", "false"]).optional(),
    // Test only (e2e/webhooks.e2e.ts): events stay in the outbox after their write.
    TEST_HOLD_QUEUE_SEND: z.enum(["true", "false"]).optional(),
    // A secret (`wrangler secret put`), not a variable: WAHA's webhook HMAC key. Unset or empty:
    // WAHA's events are not signed, and the bearer token alone authenticates them.
    WAHA_WEBHOOK_HMAC_KEY: z.string().optional(),
  }),
);

/** The Worker's variables, parsed and checked (docs/configuration.md). */
export interface Config {
  lookupTimeoutMs: number;
  /** What this deployment sets of the cache policy. */
  cache: CachePolicyOverrides;
  rateLimitPeriodSeconds: number;
  /** Origins that browsers may call from (CORS); empty: CORS off. */
  allowedOrigins: string[];
  /** How long events are kept. */
  eventsRetentionDays: number;
  /** Whether webhook URLs may be `http://127.0.0.1:PORT` and `http://localhost:PORT`. */
  allowLocalWebhooks: boolean;
  /** Test only: a write's events are left to the sweep, as after a crash before the queue send. */
  holdQueueSend: boolean;
  /** The key WAHA signs its webhooks with (`X-Webhook-Hmac`); `null`: they are not checked. */
  wahaWebhookHmacKey: string | null;
  /** Cloudflare Access in front of `/console`, as configured: both empty when it is not. */
  access: { teamDomain: string; audiences: string[] };
}

function commaSeparated(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

/**
 * The configuration of this Worker, validated.
 *
 * @throws {Error} when a variable is set to something unusable (a deploy mistake, answered 500).
 */
export function readConfig(env: Env): Config {
  const parsed = configSchema().safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => issue.path.join(".")).join(", ");
    throw new Error(`invalid configuration: ${names}`);
  }
  return {
    lookupTimeoutMs: parsed.data.LOOKUP_TIMEOUT_MS,
    cache: {
      kvTtlSeconds: parsed.data.CACHE_TTL_SECONDS,
      memoryTtlMs: parsed.data.MEMORY_CACHE_TTL_MS,
      kvReadBudgetMs: parsed.data.CACHE_READ_TIMEOUT_MS,
    },
    rateLimitPeriodSeconds: parsed.data.RATE_LIMIT_PERIOD_SECONDS,
    allowedOrigins: commaSeparated(parsed.data.ALLOWED_ORIGINS),
    access: {
      teamDomain: parsed.data.ACCESS_TEAM_DOMAIN,
      audiences: commaSeparated(parsed.data.ACCESS_AUD),
    },
    eventsRetentionDays: parsed.data.EVENTS_RETENTION_DAYS,
    allowLocalWebhooks: parsed.data.ALLOW_LOCAL_WEBHOOKS === "true",
    holdQueueSend: parsed.data.TEST_HOLD_QUEUE_SEND === "true",
    wahaWebhookHmacKey: parsed.data.WAHA_WEBHOOK_HMAC_KEY || null,
  };
}
