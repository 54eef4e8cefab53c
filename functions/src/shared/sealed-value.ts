import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Values the shared cache writes to Redis, encrypted (AES-256-GCM) with a key that lives in Secret
 * Manager only: a cached vendor snapshot holds every number's API keys and webhook secrets, and Redis
 * is a third party's store. The Redis key is bound as associated data, so an entry copied under
 * another key (another vendor's) does not open.
 */
const SEALED = "__sealed";
const VERSION = "v1";
/** A key shorter than this is refused: `openssl rand -base64 32` gives 44 characters. */
export const MIN_CACHE_KEY_LENGTH = 32;
/**
 * GCM's full tag, fixed on both sides: without it Node accepts a tag as short as 4 bytes, which a
 * forger can guess in 2^32 tries.
 */
const TAG_LENGTH = 16;

export interface SealedEnvelope {
  [SEALED]: string;
}

export class ValueSealer {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < MIN_CACHE_KEY_LENGTH)
      throw new Error(`the cache key needs at least ${MIN_CACHE_KEY_LENGTH} characters`);
    this.key = Buffer.from(hkdfSync("sha256", secret, "livepay-config-cache", VERSION, 32));
  }

  seal(redisKey: string, value: unknown): SealedEnvelope {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv, { authTagLength: TAG_LENGTH });
    cipher.setAAD(Buffer.from(redisKey));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final(), cipher.getAuthTag()]);
    return { [SEALED]: `${VERSION}.${iv.toString("base64")}.${body.toString("base64")}` };
  }

  /** The value, or undefined when the entry is not ours to open (another key, tampered, another format). */
  open<T>(redisKey: string, stored: unknown): T | undefined {
    if (!isSealed(stored)) return undefined;
    const [version, iv, body] = stored[SEALED].split(".");
    if (version !== VERSION || !iv || !body) return undefined;
    try {
      const bytes = Buffer.from(body, "base64");
      if (bytes.length <= TAG_LENGTH) return undefined; // no room for a ciphertext and a whole tag
      const tagAt = bytes.length - TAG_LENGTH;
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64"), {
        authTagLength: TAG_LENGTH,
      });
      decipher.setAAD(Buffer.from(redisKey));
      decipher.setAuthTag(bytes.subarray(tagAt));
      const plain = Buffer.concat([decipher.update(bytes.subarray(0, tagAt)), decipher.final()]);
      return JSON.parse(plain.toString("utf8")) as T;
    } catch {
      return undefined; // written under a previous key (rotated): a miss, replaced on the next write
    }
  }
}

export function isSealed(value: unknown): value is SealedEnvelope {
  return value !== null && typeof value === "object" && typeof (value as Record<string, unknown>)[SEALED] === "string";
}
