/**
 * A Cloudflare Access team of our own making: an RSA key pair, the certs document Access publishes
 * at `https://<team>.cloudflareaccess.com/cdn-cgi/access/certs`, and the JWTs Access would put in
 * `Cf-Access-Jwt-Assertion`, signed with that key (or any other).
 */

/** What Access signs: the claims the middleware checks, and whatever a test adds. */
export interface AccessClaims {
  aud?: string | string[];
  iss?: string;
  exp?: number;
  nbf?: number;
  iat?: number;
  email?: string;
}

const ALGORITHM = {
  name: "RSASSA-PKCS1-v1_5",
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-256",
};

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function encodeJson(value: unknown): string {
  return base64url(new TextEncoder().encode(JSON.stringify(value)));
}

export class AccessTeam {
  /** The key's id, as the certs document and each JWT's header name it. */
  readonly kid = crypto.randomUUID();

  private constructor(
    /** Such as `console-team`. */
    readonly name: string,
    private readonly keys: CryptoKeyPair,
  ) {}

  /** A team with a fresh signing key. */
  static async create(name: string): Promise<AccessTeam> {
    const keys = (await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
    return new AccessTeam(name, keys);
  }

  /** `<name>.cloudflareaccess.com`, what `ACCESS_TEAM_DOMAIN` holds. */
  get domain(): string {
    return `${this.name}.cloudflareaccess.com`;
  }

  /** Where the middleware fetches the team's public keys. */
  get certsUrl(): string {
    return `https://${this.domain}/cdn-cgi/access/certs`;
  }

  /** The certs document: the public key as a JWK. */
  async certs(): Promise<{ keys: Record<string, unknown>[] }> {
    const jwk = (await crypto.subtle.exportKey("jwk", this.keys.publicKey)) as JsonWebKey;
    return { keys: [{ ...jwk, kid: this.kid, use: "sig", alg: "RS256" }] };
  }

  /**
   * A JWT as Access issues it for `aud`, valid for an hour from now, signed with this team's key.
   *
   * @param claims - Claims that replace the defaults (`iss` this team, `exp` in an hour).
   * @param header - Header fields that replace the defaults (`alg` RS256, `kid` this key).
   */
  async jwt(aud: string, claims: AccessClaims = {}, header: Record<string, unknown> = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      aud: [aud],
      iss: `https://${this.domain}`,
      iat: now,
      exp: now + 3600,
      email: "operator@example.com",
      ...claims,
    };
    const signed = `${encodeJson({ alg: "RS256", kid: this.kid, typ: "JWT", ...header })}.${encodeJson(payload)}`;
    const signature = await crypto.subtle.sign(
      ALGORITHM.name,
      this.keys.privateKey,
      new TextEncoder().encode(signed),
    );
    return `${signed}.${base64url(new Uint8Array(signature))}`;
  }
}
