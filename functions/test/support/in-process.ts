import { DocumentReference, Query } from "firebase-admin/firestore";
import { vi } from "vitest";
import type { WebhookRequest } from "../../src/http/handler";
import { TieredCache, type CacheRedisConfig } from "../../src/shared/tiered-cache";
import { ConfigCache } from "../../src/store/config-cache";
import { RecheckBudget, type GateState } from "../../src/webhooks/vendor-gate";
import { hmacSha256Hex } from "../../src/shared/crypto";

/**
 * Helpers for calling the HTTP handlers in this process (no Functions emulator in between) against the
 * Firestore emulator: what one function instance would do, minus the HTTP framework.
 */

export type CacheMode = "memory" | "redis";

/** The Redis that `npm test` starts (behind its Upstash-compatible bridge) and its cache key, when there is one. */
export function testRedisConfig(): CacheRedisConfig | undefined {
  const url = process.env.UPSTASH_REDIS_REST_URL;
  const token = process.env.UPSTASH_REDIS_REST_TOKEN;
  const encryptionKey = process.env.CONFIG_CACHE_KEY;
  return url && token && encryptionKey ? { url, token, encryptionKey } : undefined;
}

/** A separate function instance: its own memory (and the shared Redis in "redis" mode). */
export function functionInstance(mode: CacheMode, recheckIntervalMs?: number): GateState {
  const redis = mode === "redis" ? testRedisConfig() : undefined;
  if (mode === "redis" && !redis)
    throw new Error("the Redis cases need npm test's Redis (UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN)");
  return { cache: new ConfigCache(new TieredCache(redis)), budget: new RecheckBudget(recheckIntervalMs) };
}

export interface SignedOptions {
  scheme?: "secret" | "hmac";
  headers?: Record<string, string | string[] | undefined>;
  method?: string;
  path?: string;
}

/** A webhook request as Wasender sends it: the raw bytes, signed with `secret`. */
export function webhookRequest(
  vendorId: string,
  secret: string | undefined,
  body: unknown,
  options: SignedOptions = {},
): WebhookRequest {
  const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  const headers: Record<string, string | string[] | undefined> = {
    "content-type": "application/json",
    ...options.headers,
  };
  if (secret !== undefined) {
    if ((options.scheme ?? "secret") === "secret") headers["x-webhook-signature"] = secret;
    else headers["x-wasender-signature"] = hmacSha256Hex(secret, rawBody);
  }
  return { method: options.method ?? "POST", path: options.path ?? `/${vendorId}`, headers, rawBody };
}

/** Counts the Firestore reads (document gets, queries) this process makes while `work` runs. */
export async function countReads<T>(work: () => Promise<T>): Promise<{ reads: number; result: T }> {
  const docGet = vi.spyOn(DocumentReference.prototype, "get");
  const queryGet = vi.spyOn(Query.prototype, "get");
  try {
    const result = await work();
    return { reads: docGet.mock.calls.length + queryGet.mock.calls.length, result };
  } finally {
    docGet.mockRestore();
    queryGet.mockRestore();
  }
}
