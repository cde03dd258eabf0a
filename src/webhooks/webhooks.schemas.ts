import * as z from "zod";
import { EVENT_TYPES, isEventPattern } from "../domain/event";
import { ErrorMessage } from "../errors";
import { lazy } from "../lib/lazy";

/** The most patterns one subscription may list. */
const MAX_PATTERNS = 20;
/** The longest URL accepted. */
export const MAX_URL_LENGTH = 2048;

/** A subscription's name: 1 to 64 URL-safe characters, starting with a letter or digit. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The `{name}` path parameter of the webhook routes. */
export const webhookNameParamsSchema = /* @__PURE__ */ lazy(() =>
  z.object({
    name: z
      .string({ error: ErrorMessage.webhookNameInvalid })
      .regex(NAME, { error: ErrorMessage.webhookNameInvalid })
      .meta({
        param: {
          description:
            "The subscription's name: 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter or digit.",
        },
        example: "crm",
      }),
  }),
);

const PATTERN_HELP = `an event type (${EVENT_TYPES.join(", ")}), a prefix of one with .* (conversation.*), or *`;

/** The body of `PUT /api/webhooks/{name}`: unknown fields are refused. */
export const putWebhookBodySchema = /* @__PURE__ */ lazy(() =>
  z
    .strictObject({
      url: z
        .string()
        .max(MAX_URL_LENGTH)
        .meta({
          description:
            "Where deliveries are POSTed: `https://…`. `http://127.0.0.1:PORT` and `http://localhost:PORT` only " +
            "where `ALLOW_LOCAL_WEBHOOKS` is set (npm start, the tests), never in a deployment.",
          example: "https://crm.example.com/hooks/whatsapp",
        }),
      events: z
        .array(z.string().refine(isEventPattern, { error: `not ${PATTERN_HELP}` }))
        .min(1)
        .max(MAX_PATTERNS)
        .transform((patterns) => [...new Set(patterns)])
        .meta({ description: `The events to deliver: each ${PATTERN_HELP}.`, example: ["conversation.*"] }),
    })
    .meta({ id: "PutWebhookBody" }),
);

const subscriptionSchema = () =>
  z.object({
    name: z.string().meta({ example: "crm" }),
    url: z.string().meta({ example: "https://crm.example.com/hooks/whatsapp" }),
    events: z.array(z.string()).meta({ example: ["conversation.*", "session.status"] }),
  });

/** The 200 body of `PUT /api/webhooks/{name}`. Only the OpenAPI document builds it. */
export const putWebhookResponseSchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      success: z.literal(true),
      record: subscriptionSchema().meta({ id: "Webhook" }),
      secret: z
        .string()
        .optional()
        .meta({
          description:
            "On creation only: the `whsec_…` secret that signs every delivery (`webhook-signature`). It is never " +
            "shown again.",
          example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        }),
    })
    .meta({ id: "PutWebhookResponse" }),
);

/** The 200 body of `GET /api/webhooks`. Only the OpenAPI document builds it. */
export const listWebhooksResponseSchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      success: z.literal(true),
      webhooks: z.array(
        subscriptionSchema()
          .extend({
            disabled: z.boolean().meta({
              description:
                "Set when the receiver answered 410 Gone: nothing is delivered until the next PUT.",
            }),
          })
          .meta({ id: "WebhookListed" }),
      ),
    })
    .meta({ id: "WebhooksResponse" }),
);
