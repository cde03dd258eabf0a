import { bodyLimit } from "hono/body-limit";
import { ApiError, ErrorMessage } from "../errors";

/** The largest write body accepted, in bytes: a client or conversation is a few hundred. */
const MAX_BODY_BYTES = 16 * 1024;

/** Rejects bodies over {@link MAX_BODY_BYTES} with 413, before they are read into memory. */
export const writeBodyLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(413, ErrorMessage.payloadTooLarge);
  },
});
