import { createHmac, hkdfSync, randomBytes } from "node:crypto";

/**
 * Buyers' phone numbers never appear in Redis key names: Redis is a third party's store, and a key
 * name is not sealed like a value (shared/sealed-value.ts). A key names a keyed hash instead
 * (HMAC-SHA256, 16 bytes, base64url): the same buyer gets the same key on every function instance,
 * yet nobody without the secret can hash the phone numbers of a country to find whose key it is.
 */
const HASH_BYTES = 16;

export class KeyHasher {
  private readonly key: Buffer;

  /** `secret`: any of the platform's secrets; the hash key is derived from it for this use only. */
  constructor(secret: string) {
    if (secret.length === 0) throw new Error("a key hash needs a secret");
    this.key = Buffer.from(hkdfSync("sha256", secret, "livepay-redis-key-names", "v1", 32));
  }

  /** "+221771234567" -> 22 base64url characters, the same for the same value and secret. */
  hash(value: string): string {
    return createHmac("sha256", this.key).update(value, "utf8").digest().subarray(0, HASH_BYTES).toString("base64url");
  }
}

/** A hasher on the first secret set, else on a random one: keys then hold within this process only (memory). */
export function keyHasher(...secrets: Array<string | undefined>): KeyHasher {
  const secret = secrets.find((candidate) => candidate !== undefined && candidate.length > 0);
  return new KeyHasher(secret ?? randomBytes(32).toString("base64"));
}
