/**
 * What wrangler.toml deploys, as wrangler itself reads it, for the top level and each
 * environment: the webhook queue with its dead-letter queue and as many retries as the delivery
 * policy has delays, the Cron Trigger, and none of the variables meant for local development and
 * tests (which `npm run deploy` would refuse).
 */
import { describe, expect, it } from "vitest";
import { localOnlyVars, queueNames, readWranglerConfig } from "../../scripts/lib/wrangler-config.ts";
import { DELIVERY_POLICY } from "../../src/delivery/policy.ts";

describe.each([
  [undefined, "chat-session-lookup"],
  ["staging", "chat-session-lookup-staging"],
  ["production", "chat-session-lookup-production"],
])("wrangler.toml, environment %s", (env, prefix) => {
  it("sends to and consumes the webhook queue, with a dead-letter queue and one retry per delay", async () => {
    const config = await readWranglerConfig(env);
    expect(queueNames(config)).toEqual([`${prefix}-webhooks`, `${prefix}-webhooks-dlq`]);
    expect(config.queues.producers).toEqual([{ binding: "WEBHOOK_DELIVERIES", queue: `${prefix}-webhooks` }]);
    expect(config.queues.consumers?.[0]?.max_retries).toBe(DELIVERY_POLICY.retryDelaysSeconds.length);
  });

  it("runs the Cron Trigger, and sets no variable meant for local development or tests", async () => {
    const config = await readWranglerConfig(env);
    expect(config.triggers.crons).toEqual(["*/5 * * * *"]);
    expect(localOnlyVars(config)).toEqual([]);
    expect(config.vars.EVENTS_RETENTION_DAYS).toBe("90");
  });
});
