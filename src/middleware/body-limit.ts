import { bodyLimit } from "hono/body-limit";
import { ApiError, ErrorMessage } from "../errors";

/** Rejects bodies over `maxBytes` with 413, before they are read into memory. */
function limitBodyTo(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError(413, ErrorMessage.payloadTooLarge);
    },
  });
}

/** Writes: a client or conversation is a few hundred bytes; 16 KiB at most. */
export const writeBodyLimit = limitBodyTo(16 * 1024);

/** Batch lookups: 100 items of two 128-character ids each fit in 64 KiB with room to spare. */
export const batchBodyLimit = limitBodyTo(64 * 1024);
