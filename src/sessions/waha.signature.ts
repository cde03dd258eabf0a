/**
 * WAHA's webhook signature: with an HMAC key configured (its webhook's `hmac.key`), WAHA sends
 * `X-Webhook-Hmac`, the hex HMAC-SHA512 of the raw body, and `X-Webhook-Hmac-Algorithm: sha512`.
 */

const HEX_SHA512 = /^[0-9a-f]{128}$/i;

// One imported key per key text: importing costs more than verifying.
const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (key === undefined) {
    key = crypto.subtle.importKey(
      "raw",
      new TextEncoder().encode(secret),
      { name: "HMAC", hash: "SHA-512" },
      false,
      ["verify"],
    );
    keys.set(secret, key);
  }
  return key;
}

function bytesOfHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let index = 0; index < bytes.length; index++) {
    bytes[index] = Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16);
  }
  return bytes;
}

/**
 * Whether `body` carries WAHA's signature with `secret`: an `X-Webhook-Hmac-Algorithm` of
 * `sha512` and an `X-Webhook-Hmac` that is its HMAC. The comparison is Web Crypto's `verify`,
 * which takes the same time however much of the signature matched.
 */
export async function wahaSignatureMatches(
  secret: string,
  headers: { signature: string | undefined; algorithm: string | undefined },
  body: Uint8Array,
): Promise<boolean> {
  if (headers.algorithm?.trim().toLowerCase() !== "sha512") return false;
  const signature = headers.signature?.trim() ?? "";
  if (!HEX_SHA512.test(signature)) return false;
  return crypto.subtle.verify("HMAC", await keyFor(secret), bytesOfHex(signature), body);
}
