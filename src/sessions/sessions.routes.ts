import { reportTime } from "../domain/session";
import { ErrorMessage } from "../errors";
import { WRITE_BODY_MAX_BYTES } from "../middleware/body-limit";
import { BOOKMARK_HEADER, errorResponse, jsonResponse } from "../openapi";
import { requestContext, writeAnswer } from "../request-context";
import { defineRoute } from "../router";
import {
  putSessionStatusBodySchema,
  sessionIdParamsSchema,
  sessionListResponseSchema,
  sessionStatusResponseSchema,
} from "./sessions.schemas";
import { listSessionRecords, reportSessionStatus } from "./sessions.service";

const EXAMPLE_RECORD = { id: "xyz789", status: "WORKING" as const, since: "2026-12-05T10:00:00.000Z" };

/** `PUT /api/sessions/{sessionId}/status`. */
const putSessionStatusRoute = defineRoute(
  {
    operationId: "putSessionStatus",
    method: "put",
    path: "/api/sessions/{sessionId}/status",
    scope: "sessions:write",
    request: {
      params: sessionIdParamsSchema,
      body: { schema: putSessionStatusBodySchema, maxBytes: WRITE_BODY_MAX_BYTES },
    },
    docs: WITH_DOCS && {
      bodyExample: { status: "WORKING", at: "2026-12-05T10:00:00Z" },
      tags: ["Sessions"],
      summary: "Report a session's status",
      description:
        "For a gateway without a webhook this service reads (WAHA's and Evolution API's have theirs). The newest " +
        "report by its `at` wins: an older one changes nothing and answers the stored status; equal times apply in " +
        "arrival order. A session nobody reported yet is accepted. Lookups with `include=session` answer the new " +
        "status at once in this location. A token limited to some sessions reports only theirs.",
      responses: {
        200: jsonResponse(
          "The session's status after the report.",
          sessionStatusResponseSchema,
          { success: true, record: EXAMPLE_RECORD },
          BOOKMARK_HEADER,
        ),
        400: errorResponse("The session id or the body is not valid (a status outside the list).", [
          ErrorMessage.sessionIdInvalid,
          ErrorMessage.invalidBody,
        ]),
      },
    },
  },
  async (c) => {
    const { sessionId } = c.req.valid("param");
    const { status, at } = c.req.valid("json");
    const context = requestContext(c);
    const now = context.clock.now();
    const reported = at === undefined ? now : reportTime(Date.parse(at), now);
    const { record, bookmark } = await reportSessionStatus(context, c.var.token.sessions, {
      sessionId,
      status,
      at: reported,
    });
    return writeAnswer(c, bookmark, { success: true, record });
  },
);

/** `GET /api/sessions`. */
const listSessionsRoute = defineRoute(
  {
    operationId: "listSessions",
    method: "get",
    path: "/api/sessions",
    scope: "clients:read",
    docs: WITH_DOCS && {
      tags: ["Sessions"],
      summary: "List the sessions, with their status and number of clients",
      description:
        "Every session that clients name or that reported a status, by id, read from D1. A token limited to some " +
        "sessions sees only those.",
      responses: {
        200: jsonResponse("The sessions.", sessionListResponseSchema, {
          success: true,
          sessions: [
            { ...EXAMPLE_RECORD, clients: 3 },
            { id: "another-session", status: "UNKNOWN", since: null, clients: 1 },
          ],
        }),
      },
    },
  },
  async (c) => {
    const sessions = await listSessionRecords(requestContext(c), c.var.token.sessions);
    return c.json({ success: true as const, sessions }, 200);
  },
);

/** `/api/sessions`: the statuses of WhatsApp sessions. */
export const sessionRoutes = [putSessionStatusRoute, listSessionsRoute];
