import type { Request } from "firebase-functions/v2/https";
import { once } from "node:events";
import type { Response } from "express";
import { logger } from "../shared/logger";

/** Framework-free view of a webhook request, so the domain code is testable without HTTP. */
export interface WebhookRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer | undefined;
  /** The parsed query string (Meta's GET verification). */
  query?: Record<string, unknown>;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Sent as the plain-text body instead of `body` (Meta's verification echoes its challenge). */
  text?: string;
  /** Sent instead of `body`, written as it is made (the orders export): a large body is never held whole. */
  stream?: ResponseStream;
}

/** A body made piece by piece: `write` hands each piece to `send`, which waits while the client is slow. */
export interface ResponseStream {
  contentType: string;
  write(send: (chunk: string) => Promise<void>): Promise<void>;
}

/** Bodies past this are refused with 413: no Wasender event comes near it. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function errorResponse(
  status: number,
  code: string,
  message: string,
  extra?: Record<string, unknown>,
): WebhookResponse {
  return { status, body: { ok: false, error: { code, message, ...extra } } };
}

/**
 * Bodies the runtime already parsed as JSON (its body parser runs before any function), by their bytes:
 * parseJsonBody hands that value out instead of parsing the same bytes a second time.
 */
const parsedByRuntime = new WeakMap<Buffer, unknown>();

/** The body as JSON, or the 400 that says it is not. */
export function parseJsonBody(rawBody: Buffer): { ok: true; json: unknown } | { ok: false; response: WebhookResponse } {
  if (parsedByRuntime.has(rawBody)) return { ok: true, json: parsedByRuntime.get(rawBody) };
  try {
    return { ok: true, json: JSON.parse(rawBody.toString("utf8")) };
  } catch {
    return { ok: false, response: errorResponse(400, "invalid_json", "The body is not valid JSON.") };
  }
}

export function header(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The bytes of a body no parser took (a request without a content type the runtime knows, as
 * Unipile's webhooks created by API send): read from the stream, at most MAX_BODY_BYTES + 1.
 */
async function unparsedBody(req: Request): Promise<Buffer | undefined> {
  if (req.method !== "POST" || !req.readable || req.readableEnded) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    chunks.push(buffer);
    size += buffer.length;
    if (size > MAX_BODY_BYTES) break;
  }
  return Buffer.concat(chunks);
}

/** Adapts an HTTPS function to a domain handler (webhooks, admin API); nothing runs after the response. */
export function serveHttp(name: string, handle: (request: WebhookRequest) => Promise<WebhookResponse>) {
  return async (req: Request, res: Response): Promise<void> => {
    let response: WebhookResponse;
    try {
      const rawBody = req.rawBody ?? (await unparsedBody(req));
      // The runtime's JSON parser only takes objects and arrays, which JSON.parse reads the same way.
      if (
        rawBody &&
        rawBody.length > 0 &&
        req.is("application/json") &&
        typeof req.body === "object" &&
        req.body !== null
      )
        parsedByRuntime.set(rawBody, req.body);
      const query = req.query as Record<string, unknown>;
      response = await handle({ method: req.method, path: req.path, headers: req.headers, rawBody, query });
    } catch (error) {
      // The message may not be stored: a 500 tells Wasender (and any retrying sender) to try again.
      logger.error(`${name} failed`, { path: req.path, error: error instanceof Error ? error.message : String(error) });
      response = errorResponse(500, "internal", "The webhook could not be processed; retry later.");
    }
    for (const [key, value] of Object.entries(response.headers ?? {})) res.set(key, value);
    if (response.stream) return sendStream(name, req.path, response.status, response.stream, res);
    if (response.text !== undefined) res.status(response.status).type("text/plain").send(response.text);
    else res.status(response.status).json(response.body);
  };
}

/**
 * Writes a streamed body as it comes, waiting for the client to drain (memory stays bounded). A failure
 * once the status is sent cuts the connection: a truncated file must never look complete.
 */
async function sendStream(name: string, path: string, status: number, stream: ResponseStream, res: Response) {
  res.status(status).type(stream.contentType);
  try {
    await stream.write(async (chunk) => {
      if (!res.write(chunk)) await drainedOrClosed(res);
      if (res.destroyed) throw new Error("the client went away");
    });
    res.end();
  } catch (error) {
    logger.error(`${name} failed while streaming`, {
      path,
      error: error instanceof Error ? error.message : String(error),
    });
    // Nothing sent yet: a plain error answer; else the cut connection says the file is incomplete.
    if (!res.headersSent)
      res.status(500).json(errorResponse(500, "internal", "The file could not be made; retry later.").body);
    else res.destroy();
  }
}

/** Until the client has taken what was written, or is gone (no listener left behind either way). */
async function drainedOrClosed(res: Response): Promise<void> {
  const settled = new AbortController();
  try {
    await Promise.race([
      once(res, "drain", { signal: settled.signal }),
      once(res, "close", { signal: settled.signal }),
    ]);
  } finally {
    settled.abort();
  }
}
