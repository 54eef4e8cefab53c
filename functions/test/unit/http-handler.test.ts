import type { Request } from "firebase-functions/v2/https";
import type { Response } from "express";
import { describe, expect, it } from "vitest";
import { parseJsonBody, serveHttp, type WebhookRequest } from "../../src/http/handler";

/** A request as the runtime hands it over: its JSON parser has run (req.body) and kept the bytes (rawBody). */
function runtimeRequest(body: unknown, contentType: string): Request {
  const rawBody = Buffer.from(JSON.stringify(body));
  return {
    method: "POST",
    path: "/vendor_1",
    headers: { "content-type": contentType },
    rawBody,
    body: contentType === "application/json" ? (JSON.parse(rawBody.toString("utf8")) as unknown) : {},
    query: {},
    is: (type: string) => (contentType === type ? type : false),
  } as unknown as Request;
}

function response(): Response {
  const res = { set: () => res, status: () => res, type: () => res, json: () => res, send: () => res };
  return res as unknown as Response;
}

describe("serveHttp", () => {
  it("hands the handler the body the runtime already parsed, instead of parsing its bytes again", async () => {
    const req = runtimeRequest({ event: "messages.received", data: { n: 1 } }, "application/json");
    let parsed: unknown;
    await serveHttp("test", (request: WebhookRequest) => {
      const body = parseJsonBody(request.rawBody!);
      parsed = body.ok ? body.json : undefined;
      return Promise.resolve({ status: 200, body: {} });
    })(req, response());
    expect(parsed).toBe(req.body);
  });

  it("parses the bytes itself when the runtime did not (another content type)", async () => {
    const req = runtimeRequest({ event: "x" }, "text/plain");
    let parsed: unknown;
    await serveHttp("test", (request: WebhookRequest) => {
      const body = parseJsonBody(request.rawBody!);
      parsed = body.ok ? body.json : undefined;
      return Promise.resolve({ status: 200, body: {} });
    })(req, response());
    expect(parsed).toEqual({ event: "x" });
    expect(parsed).not.toBe(req.body);
  });
});
