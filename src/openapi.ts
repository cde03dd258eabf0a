/**
 * The OpenAPI side of the routes: response entries with the headers every response carries.
 * Only the OpenAPI document reads them (scripts/lib/openapi-document.ts, `npm run openapi`), so
 * their schemas are built then, never by the Worker.
 */
import * as z from "zod";
import { ErrorMessage } from "./errors";
import { lazy } from "./lib/lazy";

export type HeaderObject = { description: string; schema: { type: "string" } };

/** A documented response header. */
export const header = (description: string): HeaderObject => ({ description, schema: { type: "string" } });

/** The headers every response carries. */
const COMMON_HEADERS = {
  "X-Request-Id": header(
    "The request's id: the caller's own `X-Request-Id` when well-formed, else a new one.",
  ),
  "Cache-Control": header("Always `no-store`."),
  "X-Content-Type-Options": header("Always `nosniff`."),
};

/** The body of a write that answers nothing else: `{"success":true}`. */
export const successResponseSchema = /* @__PURE__ */ lazy(() =>
  z.object({ success: z.literal(true) }).meta({ id: "SuccessResponse" }),
);

/** The header a write answers with, and a read accepts. */
export const BOOKMARK_HEADER = {
  "x-d1-bookmark": header(
    "The D1 bookmark after the query: send it back on a lookup to read from a replica at least this new.",
  ),
};

/**
 * A JSON response entry with the headers every response carries. Responses are not validated:
 * only the OpenAPI document reads `schema`, so it is built then, and never by the Worker.
 */
export function jsonResponse<S extends z.ZodType>(
  description: string,
  schema: () => S,
  example: z.input<S>,
  headers: Record<string, HeaderObject> = {},
) {
  const built = /* @__PURE__ */ lazy(schema);
  return {
    description,
    headers: { ...COMMON_HEADERS, ...headers },
    content: {
      "application/json": {
        get schema() {
          return built();
        },
        example,
      },
    },
  };
}

/** An error response entry: `{"error": message}`, with an example for each message it may carry. */
export function errorResponse(
  description: string,
  messages: readonly ErrorMessage[],
  headers: Record<string, HeaderObject> = {},
) {
  const examples = Object.fromEntries(messages.map((error) => [error, { value: { error } }]));
  return {
    description,
    headers: { ...COMMON_HEADERS, ...headers },
    content: {
      "application/json": {
        get schema() {
          return errorBodySchema();
        },
        examples,
      },
    },
  };
}

/** The OpenAPI schema of every error body. */
export const errorBodySchema = /* @__PURE__ */ lazy(() =>
  z
    .object({
      error: z.enum(Object.values(ErrorMessage)).meta({ description: "What went wrong, from a fixed list." }),
      required_scope: z.string().optional().meta({
        description: "For `Permission denied`: the scope the call needed.",
        example: "clients:write",
      }),
      details: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .meta({
          description:
            "For `Invalid request body` and `Invalid query`: each field at fault (`path` empty: the whole body or query).",
        }),
    })
    .meta({ id: "Error" }),
);
