/**
 * Lower-case hex SHA-256 of a UTF-8 string (Web Crypto: the same in the Worker and in Node).
 * Imports nothing, so the token CLI in scripts/ can use it directly.
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  let hex = "";
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
