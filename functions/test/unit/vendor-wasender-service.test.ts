import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { ProviderServices } from "../../src/providers/services";

let wasender: FakeWasender;
const registry = new ProviderServices();

beforeAll(async () => {
  wasender = await startFakeWasender({ apiKeys: ["key-a", "key-b"] });
});
afterAll(async () => {
  await registry.close();
  await wasender.close();
});

const service = (apiKey = "key-a") =>
  registry.wasender({ vendorId: "v1", wabaInstanceId: "w1", apiKey, apiUrl: wasender.apiUrl });

describe("VendorWasenderService", () => {
  it("sends { to, text } with the session key as Bearer and returns Wasender's msgId", async () => {
    const result = await service().sendMessage("+221771234567", "Bonjour");
    expect(result).toMatchObject({ ok: true, providerStatus: "in_progress" });
    const last = wasender.requests.at(-1)!;
    expect(last).toMatchObject({ method: "POST", path: "/api/send-message", apiKey: "key-a" });
    expect(JSON.parse(last.body)).toEqual({ to: "+221771234567", text: "Bonjour" });
    expect(result.ok && result.providerMessageId).toBe(wasender.sends.at(-1)!.msgId);
  });

  it("sends an image with the text as caption", async () => {
    await service().send("+221771234567", { text: "Robe", imageUrl: "https://x.test/r.jpg" });
    expect(wasender.sends.at(-1)).toMatchObject({ text: "Robe", imageUrl: "https://x.test/r.jpg" });
  });

  it("turns each Wasender fault into the failure the retry policy needs", async () => {
    const bad = registry.wasender({ vendorId: "v2", wabaInstanceId: "w2", apiKey: "wrong", apiUrl: wasender.apiUrl });
    expect(await bad.sendMessage("+221771234567", "x")).toMatchObject({
      ok: false,
      failure: { code: "unauthorized", httpStatus: 401 },
    });

    const invalid = await service().sendMessage("12", "x");
    expect(invalid).toMatchObject({ ok: false, failure: { code: "rejected", httpStatus: 422 } });
    expect(!invalid.ok && invalid.failure.message).toContain("to: The to field must be a valid phone number");

    wasender.injectFault({ status: 429, body: { message: "Too many", retry_after: 42 } });
    expect(await service().sendMessage("+221771234567", "x")).toMatchObject({
      ok: false,
      failure: { code: "rate_limited", retryAfterSeconds: 42 },
    });

    // No retry_after in the body: X-RateLimit-Reset, as seconds to wait or as a Unix time.
    wasender.injectFault({ status: 429, body: { message: "Too many" }, headers: { "x-ratelimit-reset": "7" } });
    expect(await service().sendMessage("+221771234567", "x")).toMatchObject({
      ok: false,
      failure: { code: "rate_limited", retryAfterSeconds: 7 },
    });
    const resetAt = Math.floor(Date.now() / 1000) + 30;
    wasender.injectFault({
      status: 429,
      body: { message: "Too many" },
      headers: { "x-ratelimit-reset": String(resetAt) },
    });
    const byUnixTime = await service().sendMessage("+221771234567", "x");
    expect(!byUnixTime.ok && byUnixTime.failure.retryAfterSeconds).toBeGreaterThan(28);
    expect(!byUnixTime.ok && byUnixTime.failure.retryAfterSeconds).toBeLessThanOrEqual(30);

    wasender.injectFault({ status: 500 });
    expect(await service().sendMessage("+221771234567", "x")).toMatchObject({
      ok: false,
      failure: { code: "server_error", httpStatus: 500 },
    });
    // A gateway's 502/504: the send may have been made behind it.
    for (const status of [502, 504]) {
      wasender.injectFault({ status });
      expect(await service().sendMessage("+221771234567", "x")).toMatchObject({
        ok: false,
        failure: { code: "connection_lost", httpStatus: status },
      });
    }

    wasender.injectFault({ drop: true });
    expect(await service().sendMessage("+221771234567", "x")).toMatchObject({
      ok: false,
      failure: { code: "connection_lost" },
    });
  });

  it("tells a connection refused (never reached Wasender) apart, and sends one request per attempt", async () => {
    const closed = await startFakeWasender();
    const apiUrl = closed.apiUrl;
    await closed.close();
    const nowhere = registry.wasender({ vendorId: "v3", wabaInstanceId: "w3", apiKey: "key-a", apiUrl });
    const result = await nowhere.sendMessage("+221771234567", "x");
    expect(result).toMatchObject({ ok: false, failure: { code: "unreachable" } });
    const before = wasender.requests.length;
    wasender.injectFault({ status: 503 });
    await service().sendMessage("+221771234567", "x");
    expect(wasender.requests.length - before).toBe(1);
  });
});

describe("Wasender failures", () => {
  it("redacts the session key should Wasender echo it back, as every provider's failures are", async () => {
    wasender.injectFault({ status: 422, body: { message: "bad key-a for this session" } });
    const result = await service().sendMessage("+221771234567", "x");
    expect(result).toMatchObject({ ok: false, failure: { code: "rejected", httpStatus: 422 } });
    expect(!result.ok && result.failure.message).toBe("Wasender rejected the message: bad [redacted] for this session");
  });

  it("takes a gateway's 502 and 504 as connection_lost (the message may have gone out)", async () => {
    for (const status of [502, 504]) {
      wasender.injectFault({ status });
      expect(await service().sendMessage("+221771234567", "x")).toMatchObject({
        ok: false,
        failure: { code: "connection_lost", httpStatus: status },
      });
    }
  });
});

describe("ProviderServices (wasender)", () => {
  it("keeps one service per vendor number and replaces it when the key rotates", () => {
    const first = service("key-a");
    expect(service("key-a")).toBe(first);
    const rotated = service("key-b");
    expect(rotated).not.toBe(first);
    expect(rotated.config.apiKey).toBe("key-b");
  });
});
