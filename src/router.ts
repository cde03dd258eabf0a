/**
 * Routers whose routes validate through the one hook, so that every 400 has the contract's shape.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import { ApiError, ErrorMessage } from "./errors";
import type { AppEnv } from "./request-context";

const CONTRACT_MESSAGES = new Set<string>(Object.values(ErrorMessage));

/**
 * Turns a failed validation into the contract's 400. Body failures answer
 * `{"error":"Invalid request body","details":[…]}`; query and path failures answer the message
 * their schema chose ("Chat ID is required", "Invalid chat ID").
 */
function validationError(target: string, error: ZodError): ApiError {
  if (target === "json") {
    const details = error.issues.map((issue) => ({
      path: issue.path.join("."),
      message: issue.message,
    }));
    return new ApiError(400, ErrorMessage.invalidBody, { details: { details } });
  }
  const message = error.issues.find((issue) => CONTRACT_MESSAGES.has(issue.message))?.message;
  return new ApiError(400, (message as ErrorMessage | undefined) ?? ErrorMessage.invalidBody);
}

/** A router whose routes validate through the one hook. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.target, result.error);
    },
  });
}
