// Seals secrets at rest with AES-GCM (WebCrypto). Ciphertext is `<keyId>.<iv>.<data>` so keys can
// rotate: ENCRYPTION_KEY = "v2:<base64>,v1:<base64>" seals with the first and opens with any.
import { Problem } from "./problem";

export interface SecretBox {
  seal(plain: string, context: string): Promise<string>;
  open(sealed: string, context: string): Promise<string>;
  /** True when the value was sealed with an older key and should be sealed again. */
  isStale(sealed: string): boolean;
}

const b64 = {
  encode(bytes: Uint8Array): string {
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/={1,2}$/, "");
  },
  decode(text: string): Uint8Array<ArrayBuffer> {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  },
};

export class SecretBoxError extends Error {}

interface KeyEntry {
  id: string;
  key: CryptoKey;
}

function parseKeySpec(spec: string): { id: string; raw: Uint8Array<ArrayBuffer> }[] {
  return spec
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, i) => {
      const m = /^([A-Za-z0-9_-]{1,16}):(.+)$/.exec(part);
      const id = m ? m[1]! : `v${i + 1}`;
      let raw: Uint8Array<ArrayBuffer>;
      try {
        raw = b64.decode((m ? m[2]! : part).trim());
      } catch {
        throw new Problem("encryption_key_not_base64", { id });
      }
      if (raw.length !== 32) {
        throw new Problem("encryption_key_wrong_length", { id, length: raw.length });
      }
      return { id, raw };
    });
}

const cache = new Map<string, Promise<KeyEntry[]>>();

async function importKeys(spec: string): Promise<KeyEntry[]> {
  let hit = cache.get(spec);
  if (!hit) {
    hit = Promise.all(
      parseKeySpec(spec).map(async ({ id, raw }) => ({
        id,
        key: await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]),
      })),
    );
    hit.catch(() => cache.delete(spec));
    cache.set(spec, hit);
  }
  return hit;
}

/** The key ids of ENCRYPTION_KEY, newest (the one that seals) first. */
export function keyIds(keySpec: string): string[] {
  return keySpec
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part, i) => /^([A-Za-z0-9_-]{1,16}):/.exec(part)?.[1] ?? `v${i + 1}`);
}

/** Opens a value sealed under any key and seals it again under the newest one. */
export async function reseal(box: SecretBox, sealed: string, context: string): Promise<string> {
  return box.seal(await box.open(sealed, context), context);
}

export function secretBox(keySpec: string): SecretBox {
  const entries = importKeys(keySpec);
  return {
    async seal(plain, context) {
      const [current] = await entries;
      if (!current) throw new Problem("encryption_key_empty");
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const data = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(context) },
        current.key,
        new TextEncoder().encode(plain),
      );
      return `${current.id}.${b64.encode(iv)}.${b64.encode(new Uint8Array(data))}`;
    },
    async open(sealed, context) {
      const [id, ivText, dataText] = sealed.split(".");
      if (!id || !ivText || !dataText) throw new SecretBoxError("sealed value is malformed");
      const entry = (await entries).find((e) => e.id === id);
      if (!entry) throw new SecretBoxError(`no key "${id}" in ENCRYPTION_KEY to open this value`);
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: b64.decode(ivText), additionalData: new TextEncoder().encode(context) },
          entry.key,
          b64.decode(dataText),
        );
        return new TextDecoder().decode(plain);
      } catch {
        throw new SecretBoxError("sealed value failed authentication (tampered, wrong key or wrong context)");
      }
    },
    isStale(sealed) {
      const first = keySpec.split(",")[0]?.trim() ?? "";
      const m = /^([A-Za-z0-9_-]{1,16}):/.exec(first);
      return !sealed.startsWith(`${m ? m[1] : "v1"}.`);
    },
  };
}
