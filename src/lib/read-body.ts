/** What {@link readBodyWithin} answers for a body larger than its limit. */
export const TOO_LARGE: unique symbol = Symbol("too large");

/**
 * The bytes of a request's body, read only as far as `maxBytes`: a larger body (by its
 * `Content-Length`, or once more bytes than that have arrived) is left unread and answers
 * {@link TOO_LARGE}, so that its size never costs more than the limit in memory.
 */
export async function readBodyWithin(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array | typeof TOO_LARGE> {
  const declared = Number(request.headers.get("Content-Length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return TOO_LARGE;
  if (request.body === null) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return TOO_LARGE;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
