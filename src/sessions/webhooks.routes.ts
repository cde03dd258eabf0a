import type { Context } from "hono";
import * as z from "zod";
import { ApiError, ErrorMessage } from "../errors";
import { readBodyWithin, TOO_LARGE } from "../lib/read-body";
import { BOOKMARK_HEADER, errorResponse, jsonResponse } from "../openapi";
import { type AppEnv, requestContext, writeAnswer } from "../request-context";
import { defineRoute } from "../router";
import { evolutionEventSchema, wahaEventSchema, webhookResponseSchema } from "./sessions.schemas";
import { reportSessionStatus, requireSessionAccess } from "./sessions.service";
import { evolutionStatusEvent, parseEvent, type StatusEvent, wahaStatusEvent } from "./status-events";
import { wahaSignatureMatches } from "./waha.signature";

/**
 * The largest event read: media events can be larger, and are answered 200 unread, as every
 * event but a status event is.
 */
export const WEBHOOK_BODY_MAX_BYTES = 1024 * 1024;

type WebhookContext = Context<AppEnv>;

const IGNORED = { success: true as const };

/** The body, or `undefined` when it is larger than a webhook reads (it is then ignored). */
async function webhookBody(c: WebhookContext): Promise<Uint8Array | undefined> {
  const body = await readBodyWithin(c.req.raw, WEBHOOK_BODY_MAX_BYTES);
  return body === TOO_LARGE ? undefined : body;
}

/** Records a status event of a known status; answers 200 for any other, after the session's access check. */
async function answerStatusEvent(c: WebhookContext, event: StatusEvent | null): Promise<Response> {
  if (event === null) return c.json(IGNORED, 200);
  const visibleSessions = c.var.token.sessions;
  requireSessionAccess(visibleSessions, event.sessionId);
  if (event.status === null) return c.json(IGNORED, 200);
  const { sessionId, status, at } = event;
  const { record, bookmark } = await reportSessionStatus(requestContext(c), visibleSessions, {
    sessionId,
    status,
    at,
  });
  return writeAnswer(c, bookmark, { success: true, record });
}

const WEBHOOK_DESCRIPTION =
  "Every other event, and any body over 1 MiB, is answered 200 and changes nothing, so a webhook configured for " +
  "all events is harmless. A token limited to some sessions records only theirs.";

// A function: built only by the documented build (src/with-docs.d.ts).
const webhookResponses = () => ({
  200: jsonResponse(
    "The session's status after a status event (whether it applied or was older than the stored one); " +
      "`{success: true}` alone for an event that changes nothing.",
    webhookResponseSchema,
    { success: true, record: { id: "xyz789", status: "WORKING", since: "2026-12-05T10:00:00.000Z" } },
    BOOKMARK_HEADER,
  ),
  400: errorResponse("The body is not a JSON event, or a status event is malformed.", [
    ErrorMessage.invalidBody,
  ]),
});

const WAHA_EXAMPLE = {
  id: "evt_01jf3m8k2q4r5s6t7v8w9x0y1z",
  timestamp: 1796378400000,
  session: "xyz789",
  event: "session.status",
  payload: { status: "WORKING" },
};

/** `POST /webhooks/waha`. */
const wahaWebhookRoute = defineRoute(
  {
    operationId: "postWahaWebhook",
    method: "post",
    path: "/webhooks/waha",
    scope: "sessions:write",
    request: {
      body: { schema: wahaEventSchema, maxBytes: WEBHOOK_BODY_MAX_BYTES, raw: true },
    },
    docs: WITH_DOCS && {
      bodyExample: WAHA_EXAMPLE,
      tags: ["Sessions"],
      summary: "Take WAHA's events",
      description:
        "Set as a WAHA webhook, with the token as its custom `Authorization` header. `session.status` records the " +
        "session's status, ordered by the event's `timestamp`. With `WAHA_WEBHOOK_HMAC_KEY` set, `X-Webhook-Hmac` " +
        `(HMAC-SHA512 of the body, \`X-Webhook-Hmac-Algorithm: sha512\`) must match too, else 401. ${WEBHOOK_DESCRIPTION}`,
      responses: webhookResponses(),
    },
  },
  async (c) => {
    const body = await webhookBody(c);
    if (body === undefined) return c.json(IGNORED, 200);
    const key = c.var.services.config.wahaWebhookHmacKey;
    if (key !== null) {
      const headers = {
        signature: c.req.header("X-Webhook-Hmac"),
        algorithm: c.req.header("X-Webhook-Hmac-Algorithm"),
      };
      if (!(await wahaSignatureMatches(key, headers, body))) {
        throw new ApiError(401, ErrorMessage.unauthorized, {
          headers: { "WWW-Authenticate": 'Bearer realm="clients-api"' },
        });
      }
    }
    const { name, event } = parseEvent(body);
    return answerStatusEvent(c, wahaStatusEvent(name, event, c.var.services.clock.now()));
  },
);

const EVOLUTION_EXAMPLE = {
  event: "connection.update",
  instance: "xyz789",
  data: { instance: "xyz789", state: "open", statusReason: 200 },
  destination: "https://lookup.example.workers.dev/webhooks/evolution",
  date_time: "2026-12-05T07:00:00.000Z",
  server_url: "https://evolution.example",
};

const evolutionRequest = {
  body: { schema: evolutionEventSchema, maxBytes: WEBHOOK_BODY_MAX_BYTES, raw: true },
};

/** Evolution's events, on either path. */
async function takeEvolutionEvent(c: WebhookContext): Promise<Response> {
  const body = await webhookBody(c);
  if (body === undefined) return c.json(IGNORED, 200);
  const { name, event } = parseEvent(body);
  return answerStatusEvent(c, evolutionStatusEvent(name, event, c.var.services.clock.now()));
}

const EVOLUTION_DESCRIPTION =
  "Set as an Evolution API instance's webhook, with the token in its `headers` (`Authorization`). " +
  "`connection.update` records the instance's status, ordered by arrival (Evolution's `date_time` is often " +
  `hours off). The body's \`apikey\` is never stored, logged or recorded. ${WEBHOOK_DESCRIPTION}`;

/** `POST /webhooks/evolution`. */
const evolutionWebhookRoute = defineRoute(
  {
    operationId: "postEvolutionWebhook",
    method: "post",
    path: "/webhooks/evolution",
    scope: "sessions:write",
    request: evolutionRequest,
    docs: WITH_DOCS && {
      tags: ["Sessions"],
      summary: "Take Evolution API's events",
      description: EVOLUTION_DESCRIPTION,
      bodyExample: EVOLUTION_EXAMPLE,
      responses: webhookResponses(),
    },
  },
  takeEvolutionEvent,
);

/** `POST /webhooks/evolution/{event}`: Evolution's "webhook by events" mode posts each event to its own path. */
const evolutionWebhookByEventRoute = defineRoute(
  {
    operationId: "postEvolutionWebhookByEvent",
    method: "post",
    path: "/webhooks/evolution/{event}",
    scope: "sessions:write",
    request: {
      ...evolutionRequest,
      params: () =>
        z.object({
          event: z.string().meta({
            param: { description: "The event's name as Evolution spells it in paths (not read)." },
            example: "connection-update",
          }),
        }),
    },
    docs: WITH_DOCS && {
      tags: ["Sessions"],
      summary: "Take Evolution API's events, by event path",
      description:
        'The same endpoint as `/webhooks/evolution`, for Evolution\'s "webhook by events" mode (`webhookByEvents`), ' +
        "which posts each event to the URL followed by its name (`/connection-update`). The body's `event` " +
        "decides; the path is not read.",
      bodyExample: EVOLUTION_EXAMPLE,
      responses: webhookResponses(),
    },
  },
  takeEvolutionEvent,
);

/** `/webhooks/*`: what WhatsApp gateways post. */
export const webhookRoutes = [wahaWebhookRoute, evolutionWebhookRoute, evolutionWebhookByEventRoute];
