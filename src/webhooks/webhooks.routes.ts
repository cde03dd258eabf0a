import { ErrorMessage } from "../errors";
import { WRITE_BODY_MAX_BYTES } from "../middleware/body-limit";
import { errorResponse, jsonResponse, successResponseSchema } from "../openapi";
import { requestContext } from "../request-context";
import { defineRoute } from "../router";
import {
  listWebhooksResponseSchema,
  putWebhookBodySchema,
  putWebhookResponseSchema,
  webhookNameParamsSchema,
} from "./webhooks.schemas";
import { listWebhooks, putWebhook, removeWebhook } from "./webhooks.service";

const RECORD = {
  name: "crm",
  url: "https://crm.example.com/hooks/whatsapp",
  events: ["conversation.*", "session.status"],
};

const putWebhookRoute = defineRoute(
  {
    operationId: "putWebhook",
    scope: "clients:write",
    method: "put",
    path: "/api/webhooks/{name}",
    request: {
      params: webhookNameParamsSchema,
      body: { schema: putWebhookBodySchema, maxBytes: WRITE_BODY_MAX_BYTES },
    },
    docs: WITH_DOCS && {
      bodyExample: { url: RECORD.url, events: RECORD.events },
      tags: ["Webhooks"],
      summary: "Subscribe a receiver to events, or change a subscription",
      description:
        "Creates the subscription and answers its `whsec_…` secret, this once; a later PUT of the same name " +
        "changes its URL and events (and enables it again after a 410), and answers no secret. Each event it " +
        "names is POSTed to the URL as Standard Webhooks describe (`webhook-id`, `webhook-timestamp`, " +
        "`webhook-signature`), through a queue: retried with growing delays, at least once. At most 20 " +
        "subscriptions. Needs a token without session limits.",
      responses: {
        200: jsonResponse(
          "The subscription, created (with its secret) or updated.",
          putWebhookResponseSchema,
          {
            success: true as const,
            record: RECORD,
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
          },
        ),
        400: errorResponse(
          "The name or the body is not valid (an unknown event type or pattern, a URL that is not allowed), or 20 " +
            "subscriptions exist already.",
          [ErrorMessage.webhookNameInvalid, ErrorMessage.invalidBody, ErrorMessage.tooManyWebhooks],
        ),
      },
    },
  },
  async (c) => {
    const { name } = c.req.valid("param");
    const body = c.req.valid("json");
    const written = await putWebhook(requestContext(c), name, body);
    return c.json({ success: true as const, ...written }, 200);
  },
);

const listWebhooksRoute = defineRoute(
  {
    operationId: "listWebhooks",
    scope: "clients:write",
    method: "get",
    path: "/api/webhooks",
    docs: WITH_DOCS && {
      tags: ["Webhooks"],
      summary: "List the webhook subscriptions",
      description: "By name, without their secrets. Needs a token without session limits.",
      responses: {
        200: jsonResponse("Every subscription.", listWebhooksResponseSchema, {
          success: true as const,
          webhooks: [{ ...RECORD, disabled: false }],
        }),
      },
    },
  },
  async (c) => {
    const webhooks = await listWebhooks(requestContext(c));
    return c.json({ success: true as const, webhooks }, 200);
  },
);

const deleteWebhookRoute = defineRoute(
  {
    operationId: "deleteWebhook",
    scope: "clients:write",
    method: "delete",
    path: "/api/webhooks/{name}",
    request: { params: webhookNameParamsSchema },
    docs: WITH_DOCS && {
      tags: ["Webhooks"],
      summary: "Delete a webhook subscription",
      description:
        "Nothing more is delivered to it, deliveries already queued included. Needs a token without session limits.",
      responses: {
        200: jsonResponse("The subscription is deleted.", successResponseSchema, { success: true }),
        400: errorResponse("The name is not valid.", [ErrorMessage.webhookNameInvalid]),
        404: errorResponse("No subscription has this name.", [ErrorMessage.webhookNotFound]),
      },
    },
  },
  async (c) => {
    const { name } = c.req.valid("param");
    await removeWebhook(requestContext(c), name);
    return c.json({ success: true as const }, 200);
  },
);

/** `/api/webhooks`: who is told of which events. */
export const webhookSubscriptionRoutes = [listWebhooksRoute, putWebhookRoute, deleteWebhookRoute];
