import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError, ErrorMessage } from "../errors";
import type { AppEnv } from "../request-context";

/**
 * Rejects bodies over `maxBytes` with 413, before they are read into memory.
 *
 * @throws {ApiError} 413 "Request body too large".
 */
export function limitBodyTo(maxBytes: number): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, ErrorMessage.payloadTooLarge);
    },
  });
}

/** The largest body a write takes: a client or conversation is a few hundred bytes. */
export const WRITE_BODY_MAX_BYTES = 16 * 1024;
