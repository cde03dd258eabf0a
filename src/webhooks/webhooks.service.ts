import { openPrimarySession } from "../db/client";
import { withTransientRetries } from "../db/retry";
import { newSecret } from "../delivery/signature";
import {
  deleteSubscription,
  listSubscriptions,
  putSubscription,
  type Subscription,
} from "../delivery/subscriptions.repository";
import { ApiError, ErrorMessage } from "../errors";
import type { RequestContext } from "../request-context";

/** A subscription as its writes answer it. */
export interface WebhookRecord {
  name: string;
  url: string;
  events: string[];
}

const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost"]);

/**
 * Why `url` may not receive deliveries, or `null` when it may: `https://`, or where local
 * webhooks are allowed `http://127.0.0.1:PORT` / `http://localhost:PORT`; never with a user name
 * or password (the signature authenticates a delivery).
 */
export function webhookUrlProblem(url: string, allowLocal: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a URL";
  }
  if (parsed.username !== "" || parsed.password !== "") return "must not hold a user name or password";
  if (parsed.protocol === "https:") return null;
  const local = parsed.protocol === "http:" && LOCAL_HOSTS.has(parsed.hostname) && parsed.port !== "";
  if (local && allowLocal) return null;
  return local
    ? "http:// is accepted only where ALLOW_LOCAL_WEBHOOKS is set (npm start, the tests); use https://"
    : "must be https:// (http://127.0.0.1:PORT and http://localhost:PORT only where ALLOW_LOCAL_WEBHOOKS is set)";
}

/**
 * Creates the subscription `name` (its secret answered this once) or updates its URL and events
 * (enabling it again if a 410 disabled it). Not retried: a retry after a lost reply would update
 * what the first attempt created, and the secret would be lost.
 *
 * @throws {ApiError} 400 "Invalid request body" for a URL that is not allowed; 400 "Too many
 *   webhooks" for a new one beyond the limit.
 */
export async function putWebhook(
  context: RequestContext,
  name: string,
  fields: { url: string; events: string[] },
): Promise<{ record: WebhookRecord; secret?: string }> {
  const problem = webhookUrlProblem(fields.url, context.config.allowLocalWebhooks);
  if (problem !== null) {
    throw new ApiError(400, ErrorMessage.invalidBody, {
      details: { details: [{ path: "url", message: problem }] },
    });
  }
  const secret = newSecret();
  const { db } = openPrimarySession(context.db);
  const outcome = await withTransientRetries(
    () => putSubscription(db, { name, ...fields, secret }, context.delivery.maxSubscriptions),
    context,
    false,
  );
  if (outcome === "full") throw new ApiError(400, ErrorMessage.tooManyWebhooks);
  const record = { name, url: fields.url, events: fields.events };
  return outcome === "created" ? { record, secret } : { record };
}

/** Every subscription, by name, without its secret. */
export async function listWebhooks(context: RequestContext): Promise<Subscription[]> {
  const { db } = openPrimarySession(context.db);
  return withTransientRetries(() => listSubscriptions(db), context);
}

/**
 * Deletes the subscription `name`: nothing more is delivered to it. Not retried, as deletes are not.
 *
 * @throws {ApiError} 404 "Webhook not found".
 */
export async function removeWebhook(context: RequestContext, name: string): Promise<void> {
  const { db } = openPrimarySession(context.db);
  const existed = await withTransientRetries(() => deleteSubscription(db, name), context, false);
  if (!existed) throw new ApiError(404, ErrorMessage.webhookNotFound);
}
