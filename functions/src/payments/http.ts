import { request } from "undici";
import type { z } from "zod";

/** A provider call that did not give a usable answer: the reason is safe to log (no secret in it). */
export class ProviderCallError extends Error {
  constructor(
    message: string,
    /** HTTP status when the provider answered; undefined when it did not (timeout, refused). */
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ProviderCall<T extends z.ZodType> {
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body?: string;
  schema: T;
  /** The whole call (connect, headers, body) ends by then. */
  signal: AbortSignal;
}

/** One outbound call to a payment provider, its answer checked against the provider's documented shape. */
export async function callProvider<T extends z.ZodType>(call: ProviderCall<T>): Promise<z.infer<T>> {
  let status: number;
  let text: string;
  try {
    const response = await request(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: call.signal,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    const name = error instanceof Error ? error.name : "Error";
    const late = name === "AbortError" || name === "TimeoutError";
    throw new ProviderCallError(late ? "no answer in time" : `unreachable (${name})`);
  }
  if (status < 200 || status >= 300) throw new ProviderCallError(`answered HTTP ${status}`, status);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProviderCallError("answered something that is not JSON", status);
  }
  const parsed = call.schema.safeParse(json);
  if (!parsed.success) throw new ProviderCallError("answered an unexpected shape", status);
  return parsed.data;
}
