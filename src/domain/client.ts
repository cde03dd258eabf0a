/**
 * A client as every feature names it: its id in paths and bodies, and the `{id, session_id}`
 * record the lookup and the client writes answer.
 */
import * as z from "zod";
import { SESSION_STATUSES } from "../db/schema";
import { ErrorMessage } from "../errors";
import { lazy } from "../lib/lazy";

// Printable, URL-safe identifiers: what a bot backend uses for its own ids.
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._:@-]*$/;

/** A client id: 1 to 128 URL-safe characters. */
export const clientIdSchema = /* @__PURE__ */ lazy(() =>
  z
    .string({ error: ErrorMessage.clientIdInvalid })
    .max(128, { error: ErrorMessage.clientIdInvalid })
    .regex(IDENTIFIER, { error: ErrorMessage.clientIdInvalid }),
);

/**
 * A lookup's record: exactly `id` and `session_id`, and `session` when the lookup asked for it
 * (`include=session`). Only the OpenAPI document builds it.
 */
export const clientSessionSchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      id: z.string().meta({ description: "The client's id.", example: "abc123" }),
      session_id: z.string().meta({
        description: "The WhatsApp session (connected number) that serves the client.",
        example: "xyz789",
      }),
      session: z
        .object({
          status: z.enum([...SESSION_STATUSES, "UNKNOWN"]).meta({
            description:
              "The session's last reported status: `WORKING` (it can send), `STARTING`, `SCAN_QR_CODE`, `FAILED`, " +
              "`STOPPED`; `UNKNOWN` if it never reported one.",
            example: "WORKING",
          }),
          since: z.string().nullable().meta({
            description: "When the session entered its status (ISO 8601); `null` for `UNKNOWN`.",
            example: "2026-12-05T10:00:00.000Z",
          }),
        })
        .optional()
        .meta({ id: "SessionStatus", description: "With `include=session` only." }),
    })
    .meta({ id: "ClientSession" }),
);

/**
 * The 200 body of the lookup and of `PUT /api/clients/{id}` (which never carries `session`).
 * Only the OpenAPI document builds it.
 */
export const clientSessionResponseSchema = /* @__PURE__ */ lazy(() =>
  z.object({ success: z.literal(true), record: clientSessionSchema() }).meta({ id: "ClientSessionResponse" }),
);
