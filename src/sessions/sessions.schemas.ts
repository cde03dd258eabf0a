import * as z from "zod";
import { SESSION_STATUSES } from "../db/schema";
import { sessionIdSchema } from "../domain/session";
import { lazy } from "../lib/lazy";

/** The `{sessionId}` path parameter. */
export const sessionIdParamsSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    sessionId: sessionIdSchema().meta({
      param: { description: "The WhatsApp session's id, as clients' `session_id` names it." },
      example: "xyz789",
    }),
  }),
);

/** The body of `PUT /api/sessions/{sessionId}/status`: unknown fields are refused. */
export const putSessionStatusBodySchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      status: z.enum(SESSION_STATUSES).meta({
        description:
          "`WORKING` (it can send), `STARTING`, `SCAN_QR_CODE` (it needs a QR code scan), `FAILED` (logged out, " +
          "banned: it will not come back by itself), `STOPPED`.",
        example: "WORKING",
      }),
      at: z.iso
        .datetime({ offset: true })
        .optional()
        .meta({
          description:
            "When the session entered the status (ISO 8601); default: now. A time in the future counts as now. " +
            "The newest report by this time wins: an older one changes nothing.",
          example: "2026-12-05T10:00:00Z",
        }),
    })
    .meta({ id: "PutSessionStatusBody" }),
);

/** Every status the API answers: the reported ones, and `UNKNOWN`. */
const statusSchema = () =>
  z.enum([...SESSION_STATUSES, "UNKNOWN"]).meta({
    description: "The session's status; `UNKNOWN` for a session that never reported one.",
    example: "WORKING",
  });

const sinceSchema = () =>
  z.string().nullable().meta({
    description: "When the session entered its status (ISO 8601); `null` for `UNKNOWN`.",
    example: "2026-12-05T10:00:00.000Z",
  });

/** A session's status record. Only the OpenAPI document builds it. */
export const sessionRecordSchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      id: z.string().meta({ description: "The session's id.", example: "xyz789" }),
      status: statusSchema(),
      since: sinceSchema(),
    })
    .meta({ id: "SessionRecord" }),
);

/** The 200 body of the status write. Only the OpenAPI document builds it. */
export const sessionStatusResponseSchema = /* @__PURE__ */ lazy(() =>
  z.object({ success: z.literal(true), record: sessionRecordSchema() }).meta({ id: "SessionStatusResponse" }),
);

/** The 200 body of `GET /api/sessions`. Only the OpenAPI document builds it. */
export const sessionListResponseSchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      success: z.literal(true),
      sessions: z.array(
        z
          .object({
            id: z.string(),
            status: statusSchema(),
            since: sinceSchema(),
            clients: z.number().int().meta({ description: "How many clients the session serves." }),
          })
          .meta({ id: "ListedSession" }),
      ),
    })
    .meta({ id: "SessionListResponse" }),
);

/**
 * The 200 body of the webhooks: the session's status after a status event (whether it applied or
 * was older than the stored one); nothing else for an event that changes nothing. Only the
 * OpenAPI document builds it.
 */
export const webhookResponseSchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      success: z.literal(true),
      record: sessionRecordSchema()
        .optional()
        .meta({ description: "For a status event: the session's status after it." }),
    })
    .meta({ id: "WebhookResponse" }),
);

/** A session id in an event's body: as in paths, said as the body's fault. */
const eventSessionId = () =>
  sessionIdSchema().meta({ description: "The session's name.", example: "xyz789" });

/** Any other event of a gateway: answered 200, nothing read but its name. */
const otherEventSchema = (id: string, example: string) =>
  z
    .looseObject({
      event: z.string().meta({ description: "The event's name.", example }),
    })
    .meta({ id });

/**
 * WAHA's `session.status` event, as WAHA posts it: the fields read are checked, any other is
 * kept as sent and never stored.
 */
export const wahaStatusEventSchema = /* @__PURE__ */ lazy(() =>
  z
    .looseObject({
      id: z
        .string()
        .optional()
        .meta({ description: "The event's id.", example: "evt_01jf3m0000000000000000000" }),
      timestamp: z.number().int().nonnegative().meta({
        description: "When WAHA emitted the event, epoch ms: the report's time.",
        example: 1796378400000,
      }),
      session: eventSessionId(),
      event: z.literal("session.status"),
      payload: z.looseObject({
        status: z
          .string()
          .min(1)
          .max(64)
          .meta({
            description:
              "`STARTING`, `SCAN_QR_CODE`, `WORKING`, `FAILED`, `STOPPED` are recorded as they are, `PASSKEY_*` as " +
              "`SCAN_QR_CODE`; any other status is ignored.",
            example: "WORKING",
          }),
        statuses: z
          .array(z.looseObject({ status: z.string(), timestamp: z.number() }))
          .optional()
          .meta({ description: "WAHA's last few statuses, oldest first (not read)." }),
      }),
    })
    .meta({ id: "WahaSessionStatusEvent" }),
);

/** What WAHA posts: `session.status` is recorded; any other event is answered 200 and ignored. */
export const wahaEventSchema = /* @__PURE__ */ lazy(() =>
  z.union([wahaStatusEventSchema(), otherEventSchema("WahaOtherEvent", "message")]).meta({ id: "WahaEvent" }),
);

/**
 * Evolution API's `connection.update` event, as Evolution posts it. Its `apikey` is never stored,
 * logged or recorded.
 */
export const evolutionConnectionEventSchema = /* @__PURE__ */ lazy(() =>
  z
    .looseObject({
      event: z.string().meta({
        description: "`connection.update` (`CONNECTION_UPDATE` in some versions).",
        example: "connection.update",
      }),
      instance: eventSessionId(),
      data: z.looseObject({
        state: z
          .string()
          .min(1)
          .max(64)
          .meta({
            description:
              "`open` → `WORKING`, `connecting` → `STARTING`, `close` → `FAILED` (status reason 401, 402, 403, 406: " +
              "logged out, banned) or `STOPPED`, `refused` → `FAILED`; any other state is ignored.",
            example: "open",
          }),
        statusReason: z
          .union([z.number().int(), z.string().regex(/^\d{1,4}$/)])
          .optional()
          .meta({ description: "Why the connection closed (an HTTP-like code).", example: 200 }),
      }),
      date_time: z.string().optional().meta({
        description: "Not read: Evolution's server clock, often hours off. The report's time is its arrival.",
      }),
    })
    .meta({ id: "EvolutionConnectionUpdateEvent" }),
);

/** What Evolution API posts: `connection.update` is recorded; any other event is answered 200 and ignored. */
export const evolutionEventSchema = /* @__PURE__ */ lazy(() =>
  z
    .union([evolutionConnectionEventSchema(), otherEventSchema("EvolutionOtherEvent", "messages.upsert")])
    .meta({ id: "EvolutionEvent" }),
);
