import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUnipile, startFakeUnipile } from "../../../scripts/lib/fake-unipile.mjs";
import type { SendFailure, SendFailureCode } from "../../src/messaging/types";
import { decideRetry } from "../../src/outbound/failure";
import { ProviderServices } from "../../src/providers/services";
import { attendeeId, unipileText } from "../../src/unipile/unipile-service";
import {
  instanceStatusForAccount,
  interpretUnipileMessage,
  parseUnipileEvent,
} from "../../src/unipile/webhook-payloads";

const ACCOUNT = "acc_unit_1";
const KEY = "unipile-unit-key";
const NOW = 1_800_000_000_000;
const DAY = 24 * 3600_000;

let unipile: FakeUnipile;
const registry = new ProviderServices();

beforeAll(async () => {
  unipile = await startFakeUnipile({ apiKeys: [KEY], accounts: [ACCOUNT, "acc_other"] });
});
afterAll(async () => {
  await registry.close();
  await unipile.close();
});

const service = (overrides: { apiKey?: string; accountId?: string; apiUrl?: string; timeoutMs?: number } = {}) =>
  registry.unipile({
    vendorId: "v1",
    wabaInstanceId: `w-${overrides.timeoutMs ?? "default"}`,
    accountId: overrides.accountId ?? ACCOUNT,
    apiKey: overrides.apiKey ?? KEY,
    apiUrl: overrides.apiUrl ?? unipile.apiUrl,
    ...(overrides.timeoutMs !== undefined && { timeoutMs: overrides.timeoutMs }),
  });

async function failureOf(promise: ReturnType<ReturnType<typeof service>["send"]>): Promise<SendFailure> {
  const result = await promise;
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result.failure;
}

describe("UnipileService sending", () => {
  it("sends multipart POST /chats with the account, the customer's JID and the key; a product image goes as its link", async () => {
    const result = await service().send("+221771234567", {
      text: "Robe wax",
      imageUrl: "https://cdn.example.test/robe.jpg",
    });
    expect(result).toMatchObject({ ok: true, providerMessageId: expect.stringMatching(/^msg_/) });
    const send = unipile.sends.at(-1)!;
    expect(send).toMatchObject({ accountId: ACCOUNT, attendeeId: "221771234567@s.whatsapp.net", apiKey: KEY });
    // Multipart carries line breaks as CRLF (the form encoding's rule).
    expect(send.text.replace(/\r\n/g, "\n")).toBe("Robe wax\nhttps://cdn.example.test/robe.jpg");
    expect(unipile.requests.at(-1)!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(attendeeId(" +221 77 123 45 67")).toBe("221771234567@s.whatsapp.net");
    expect(unipileText({ text: "", documentUrl: "https://x.test/facture.pdf" })).toBe("https://x.test/facture.pdf");
  });

  // Unipile's table (unipile-api.md, "Errors") → the retry cause → what the retry policy does.
  const TABLE: Array<[string, SendFailureCode, "retry" | "fail", boolean]> = [
    ["errors/invalid_parameters", "rejected", "fail", false],
    ["errors/too_many_characters", "rejected", "fail", false],
    ["errors/disconnected_account", "unauthorized", "fail", true],
    ["errors/expired_credentials", "unauthorized", "fail", true],
    ["errors/account_restricted", "unauthorized", "fail", true],
    ["errors/feature_not_subscribed", "unauthorized", "fail", true],
    ["errors/resource_not_found", "not_found", "fail", true],
    ["errors/unsupported_media_type", "rejected", "fail", false],
    ["errors/invalid_recipient", "rejected", "fail", false],
    ["errors/user_unreachable", "rejected", "fail", false],
    ["errors/cant_send_message", "rejected", "fail", false],
    ["errors/too_many_requests", "rate_limited", "retry", false],
    ["errors/unexpected_error", "server_error", "retry", false],
    ["errors/provider_error", "server_error", "retry", false],
    ["errors/feature_not_implemented", "rejected", "fail", false],
    ["errors/no_client_session", "server_error", "retry", false],
    ["errors/network_down", "server_error", "retry", false],
    ["errors/service_unavailable", "server_error", "retry", false],
    ["errors/request_timeout", "timeout", "retry", true],
  ];

  it("maps every error class of Unipile's table to its retry cause", async () => {
    expect(TABLE.map(([type]) => type).sort()).toEqual([...unipile.errorTypes].sort());
    for (const [type, code, action, flag] of TABLE) {
      unipile.injectFault({ type, accountId: ACCOUNT });
      const failure = await failureOf(service().send("+221771234567", { text: "x" }));
      expect(failure.code, type).toBe(code);
      expect(failure.httpStatus, type).toBe(unipile.errorBody(type).status);
      expect(failure.message, type).toContain(type);
      const decision = decideRetry(failure, 1, NOW, NOW + DAY, () => 0.5);
      expect(decision.action, type).toBe(action);
      // A retry after a 504 may send twice (possible duplicate); a failure on an account problem marks the number.
      if (decision.action === "retry") expect(decision.possibleDuplicate, type).toBe(flag);
      else expect(decision.instanceProblem, type).toBe(flag);
    }
  });

  it("waits as long as a 429's retry-after says", async () => {
    unipile.injectFault({ type: "errors/too_many_requests", retryAfter: 7 });
    const failure = await failureOf(service().send("+221771234567", { text: "x" }));
    expect(failure).toMatchObject({ code: "rate_limited", retryAfterSeconds: 7 });
    const decision = decideRetry(failure, 1, NOW, NOW + DAY);
    expect(decision).toMatchObject({ action: "retry", at: NOW + 7_000 });
  });

  it("refuses a wrong key, an unknown account and a bad recipient as the live API does; never echoes the key", async () => {
    expect(await failureOf(service({ apiKey: "wrong" }).send("+221771234567", { text: "x" }))).toMatchObject({
      code: "unauthorized",
      httpStatus: 401,
    });
    expect(await failureOf(service({ accountId: "acc_nobody" }).send("+221771234567", { text: "x" }))).toMatchObject({
      code: "not_found",
    });
    expect(await failureOf(service().send("+0", { text: "x" }))).toMatchObject({ code: "rejected", httpStatus: 422 });
    unipile.injectFault({ type: "errors/invalid_parameters", detail: `bad key ${KEY}` });
    expect((await failureOf(service().send("+221771234567", { text: "x" }))).message).not.toContain(KEY);
  });

  it("transport failures: a gateway page, a dropped connection, no answer, nobody listening", async () => {
    unipile.injectFault({ httpStatus: 502 });
    expect(await failureOf(service().send("+221771234567", { text: "x" }))).toMatchObject({
      code: "connection_lost",
      httpStatus: 502,
    });
    unipile.injectFault({ httpStatus: 503, body: "<html>down</html>" });
    expect(await failureOf(service().send("+221771234567", { text: "x" }))).toMatchObject({ code: "server_error" });
    unipile.injectFault({ drop: true });
    expect((await failureOf(service().send("+221771234567", { text: "x" }))).code).toBe("connection_lost");
    unipile.injectFault({ hang: true, delayMs: 2_000 });
    expect((await failureOf(service({ timeoutMs: 300 }).send("+221771234567", { text: "x" }))).code).toBe("timeout");
    expect(
      (await failureOf(service({ apiUrl: "http://127.0.0.1:9/api/v1" }).send("+221771234567", { text: "x" }))).code,
    ).toBe("unreachable");
  });
});

describe("the Unipile sandbox's control routes", () => {
  it("takes faults and account states over HTTP, as `npm start` users drive it", async () => {
    const origin = new URL(unipile.apiUrl).origin;
    const posted = await fetch(`${origin}/_sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ type: "errors/too_many_requests", retryAfter: 3 }),
    });
    expect(posted.status).toBe(200);
    expect(await failureOf(service().send("+221771234567", { text: "x" }))).toMatchObject({
      code: "rate_limited",
      retryAfterSeconds: 3,
    });
    await fetch(`${origin}/_sandbox/accounts/${ACCOUNT}/disconnect`, { method: "POST" });
    expect((await failureOf(service().send("+221771234567", { text: "x" }))).message).toContain(
      "errors/disconnected_account",
    );
    await fetch(`${origin}/_sandbox/accounts/${ACCOUNT}/reconnect`, { method: "POST" });
    expect((await service().send("+221771234567", { text: "x" })).ok).toBe(true);
  });
});

describe("Unipile webhook payloads", () => {
  const own = "+221770000001";
  const base = {
    account_id: ACCOUNT,
    event: "message_received",
    message_id: "m1",
    message: "Bonjour",
    sender: { attendee_provider_id: "221771234567@s.whatsapp.net", attendee_name: "Fatou" },
  };
  const parse = (json: unknown) => {
    const parsed = parseUnipileEvent(json);
    if (!parsed.ok || parsed.event.kind !== "messaging") throw new Error(JSON.stringify(parsed));
    return parsed.event.event;
  };

  it("a customer's message is taken; own messages, reactions, reads, groups and LID senders are not", () => {
    expect(interpretUnipileMessage(parse(base), own)).toMatchObject({
      outcome: "accepted",
      message: { from: "+221771234567", text: "Bonjour", customerName: "Fatou" },
    });
    expect(
      interpretUnipileMessage(parse({ ...base, sender: { attendee_provider_id: "221770000001@s.whatsapp.net" } }), own)
        .outcome,
    ).toBe("ignored");
    expect(interpretUnipileMessage(parse({ ...base, is_sender: 1 }), own).outcome).toBe("ignored");
    expect(interpretUnipileMessage(parse({ ...base, event: "message_reaction" }), own).outcome).toBe("ignored");
    expect(interpretUnipileMessage(parse({ ...base, event: "message_read" }), own).outcome).toBe("ignored");
    expect(interpretUnipileMessage(parse({ ...base, is_group: true }), own).outcome).toBe("ignored");
    expect(interpretUnipileMessage(parse({ ...base, sender: { attendee_provider_id: "1234@lid" } }), own).outcome).toBe(
      "ignored",
    );
    expect(interpretUnipileMessage(parse({ ...base, message_id: undefined }), own).outcome).toBe("invalid");
  });

  it("account states drive the number's status as Wasender's session states do", () => {
    const status = (message: string) => {
      const parsed = parseUnipileEvent({ AccountStatus: { account_id: ACCOUNT, account_type: "WHATSAPP", message } });
      if (!parsed.ok || parsed.event.kind !== "account_status") throw new Error("not an account status");
      return instanceStatusForAccount(parsed.event.status);
    };
    expect(["OK", "RECONNECTED", "CREATION_SUCCESS", "SYNC_SUCCESS"].map(status)).toEqual([
      "connected",
      "connected",
      "connected",
      "connected",
    ]);
    expect(status("CONNECTING")).toBe("pending");
    expect(["ERROR", "STOPPED", "CREDENTIALS", "DELETED", "SOMETHING_NEW"].map(status)).toEqual(
      Array(5).fill("disconnected"),
    );
    expect(parseUnipileEvent({ AccountStatus: { message: "OK" } }).ok).toBe(false);
  });

  it("makes an account status with a lone surrogate storable (Firestore refuses one)", () => {
    const parsed = parseUnipileEvent(JSON.parse('{"AccountStatus":{"account_id":"acc_1","message":"\\ud800"}}'));
    expect(parsed).toMatchObject({ ok: true, event: { kind: "account_status", status: "\uFFFD" } });
  });
});

describe("npm run webhook -- … --provider unipile", () => {
  it("posts bodies the webhook reads as a customer's message and as an account status", async () => {
    const script = await import("../../../scripts/lib/unipile-webhook.mjs");
    expect(script.unipileWebhookPath("vendor_004")).toBe("/api/webhooks/unipile/vendor_004");
    const text = parseUnipileEvent(
      JSON.parse(
        JSON.stringify(
          script.unipileTextEvent({ accountId: "acc", from: "221771234567", name: "Awa", text: "BAZIN1" }),
        ),
      ),
    );
    if (!text.ok || text.event.kind !== "messaging") throw new Error(JSON.stringify(text));
    expect(interpretUnipileMessage(text.event.event, "+221704444444")).toMatchObject({
      outcome: "accepted",
      message: { from: "+221771234567", text: "BAZIN1" },
    });
    const status = parseUnipileEvent(script.unipileAccountStatusEvent({ accountId: "acc", status: "CREDENTIALS" }));
    expect(status).toMatchObject({
      ok: true,
      event: { kind: "account_status", accountId: "acc", status: "CREDENTIALS" },
    });
  });
});
