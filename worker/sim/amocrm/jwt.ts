// RS256 JWTs for the sim's access tokens: amoCRM's tokens are RS256 JWTs that callers decode (not
// verify) to learn account_id and api_domain, so the sim's must decode the same way.
const encoder = new TextEncoder();

export function base64url(data: Uint8Array | string): string {
  const bytes = typeof data === "string" ? encoder.encode(data) : data;
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

export class JwtSigner {
  private keys: Promise<CryptoKeyPair> | null = null;

  // Generated once per sim and lazily: RSA key generation costs tens of milliseconds.
  private pair(): Promise<CryptoKeyPair> {
    this.keys ??= crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    ) as Promise<CryptoKeyPair>;
    return this.keys;
  }

  async sign(claims: Record<string, unknown>): Promise<string> {
    const head = base64url(JSON.stringify({ alg: "RS256", typ: "JWT" }));
    const body = base64url(JSON.stringify(claims));
    const input = `${head}.${body}`;
    const { privateKey } = await this.pair();
    const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", privateKey, encoder.encode(input));
    return `${input}.${base64url(new Uint8Array(signature))}`;
  }

  async publicJwk(): Promise<JsonWebKey> {
    const { publicKey } = await this.pair();
    const jwk = (await crypto.subtle.exportKey("jwk", publicKey)) as JsonWebKey;
    return { ...jwk, alg: "RS256", use: "sig" };
  }
}
