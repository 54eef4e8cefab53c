import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeMeta, startFakeMeta } from "../../../scripts/lib/fake-meta.mjs";
import type { SendFailure, SendFailureCode } from "../../src/messaging/types";
import { ProviderServices } from "../../src/providers/services";
import { filenameOf, messageBody } from "../../src/meta/meta-cloud-service";
import { decideRetry } from "../../src/outbound/failure";

const PHONE_ID = "109876543210";
const TOKEN = "EAAG-test-token-a";
const NOW = 1_800_000_000_000;
const DAY = 24 * 3600_000;

let meta: FakeMeta;
const registry = new ProviderServices();

beforeAll(async () => {
  meta = await startFakeMeta({ tokens: { [PHONE_ID]: TOKEN, "555000111": "EAAG-other" } });
});
afterAll(async () => {
  await registry.close();
  await meta.close();
});

const service = (
  overrides: {
    accessToken?: string;
    phoneNumberId?: string;
    apiUrl?: string;
    timeoutMs?: number;
    wabaInstanceId?: string;
  } = {},
) =>
  registry.meta({
    vendorId: "v1",
    wabaInstanceId: overrides.wabaInstanceId ?? "w1",
    phoneNumberId: overrides.phoneNumberId ?? PHONE_ID,
    accessToken: overrides.accessToken ?? TOKEN,
    apiUrl: overrides.apiUrl ?? meta.apiUrl,
    ...(overrides.timeoutMs !== undefined && { timeoutMs: overrides.timeoutMs }),
  });

async function failureOf(
  promise: Promise<Awaited<ReturnType<ReturnType<typeof service>["send"]>>>,
): Promise<SendFailure> {
  const result = await promise;
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
  return result.failure;
}

describe("MetaCloudService sending", () => {
  it("posts a text to {base}/{phone-number-id}/messages with the Bearer token, `to` without '+', and returns the wamid", async () => {
    const result = await service().send("+221771234567", { text: "Bonjour 👋 été" });
    const last = meta.requests.at(-1)!;
    expect(last).toMatchObject({ method: "POST", path: `/v25.0/${PHONE_ID}/messages`, token: TOKEN });
    expect(JSON.parse(last.body)).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "221771234567",
      type: "text",
      text: { body: "Bonjour 👋 été", preview_url: false },
    });
    const sent = meta.sends.at(-1)!;
    expect(sent.wamid).toMatch(/^wamid\./);
    expect(result).toEqual({ ok: true, providerMessageId: sent.wamid });
    expect(service().provider).toBe("meta");
  });

  it("sends an image with the text as caption", async () => {
    const result = await service().send("+221771234567", { text: "Robe wax", imageUrl: "https://cdn.test/r.jpg" });
    expect(result.ok).toBe(true);
    expect(JSON.parse(meta.requests.at(-1)!.body)).toMatchObject({
      type: "image",
      image: { link: "https://cdn.test/r.jpg", caption: "Robe wax" },
    });
    expect(meta.sends.at(-1)).toMatchObject({ type: "image", caption: "Robe wax", link: "https://cdn.test/r.jpg" });
  });

  it("sends a document named after its URL, the text as caption", async () => {
    await service().send("+221771234567", {
      text: "Le catalogue",
      documentUrl: "https://cdn.test/docs/catalogue%20mai.pdf?v=2",
    });
    expect(JSON.parse(meta.requests.at(-1)!.body)).toMatchObject({
      type: "document",
      document: {
        link: "https://cdn.test/docs/catalogue%20mai.pdf?v=2",
        filename: "catalogue mai.pdf",
        caption: "Le catalogue",
      },
    });
  });

  it("keeps Meta's message_status as providerStatus", async () => {
    const accepting = await startFakeMeta({ messageStatus: "accepted" });
    const local = new ProviderServices();
    try {
      const result = await local
        .meta({
          vendorId: "v1",
          wabaInstanceId: "w1",
          phoneNumberId: "1",
          accessToken: "t",
          apiUrl: accepting.apiUrl,
        })
        .send("+221771234567", { text: "x" });
      expect(result).toMatchObject({ ok: true, providerStatus: "accepted" });
    } finally {
      await local.close();
      await accepting.close();
    }
  });

  it("looks a message id up as itself: the wamid is what statuses name, no second request", async () => {
    const before = meta.requests.length;
    expect(await service().lookupMessageId("wamid.HBgLabc")).toBe("wamid.HBgLabc");
    expect(meta.requests.length).toBe(before);
  });

  it("sends one request per attempt, even when it fails", async () => {
    const before = meta.requests.length;
    meta.injectFault({ code: 131000 });
    await service().send("+221771234567", { text: "x" });
    expect(meta.requests.length - before).toBe(1);
  });
});

describe("MetaCloudService failures, by Meta's error code", () => {
  type Outcome = { action: "retry"; possibleDuplicate: false } | { action: "fail"; instanceProblem: boolean };
  const retry: Outcome = { action: "retry", possibleDuplicate: false };
  const fail = (instanceProblem: boolean): Outcome => ({ action: "fail", instanceProblem });
  const TABLE: Array<[number, SendFailureCode, Outcome]> = [
    [130429, "rate_limited", retry],
    [131056, "rate_limited", retry],
    [80007, "rate_limited", retry],
    [4, "rate_limited", retry],
    [131000, "server_error", retry],
    [131016, "server_error", retry],
    [2, "server_error", retry],
    [131047, "outside_window", fail(false)],
    [131026, "rejected", fail(false)],
    [131051, "rejected", fail(false)],
    [100, "rejected", fail(false)],
    [190, "number_unusable", fail(true)],
    [368, "number_unusable", fail(true)],
    [131031, "number_unusable", fail(true)],
    [133010, "number_unusable", fail(true)],
  ];

  it.each(TABLE)("maps %i to %s, which the retry policy treats as %o", async (code, expected, outcome) => {
    meta.injectFault({ code, phoneNumberId: PHONE_ID });
    const failure = await failureOf(service().send("+221771234567", { text: "x" }));
    expect(failure.code).toBe(expected);
    expect(failure.message).toContain(`Meta error ${code}`);
    expect(failure.message).not.toContain(TOKEN);
    expect(failure.httpStatus).toBeGreaterThanOrEqual(400);
    expect(decideRetry(failure, 1, NOW, NOW + DAY, () => 1)).toMatchObject(outcome);
  });

  it("decides on the code, not the HTTP status (131056 seen as 400 and as 429) nor the text", async () => {
    for (const httpStatus of [400, 429]) {
      meta.injectFault({ code: 131056, httpStatus, title: "Something that reads like a permanent error" });
      expect((await failureOf(service().send("+221771234567", { text: "x" }))).code).toBe("rate_limited");
    }
    meta.injectFault({ code: 131047, httpStatus: 500 });
    expect((await failureOf(service().send("+221771234567", { text: "x" }))).code).toBe("outside_window");
  });

  it("puts Meta's code, title and details in the message", async () => {
    meta.injectFault({ code: 131047, details: "Message failed to send because more than 24 hours have passed." });
    const failure = await failureOf(service().send("+221771234567", { text: "x" }));
    expect(failure.message).toBe(
      "outside the 24 h customer window (only templates may be sent): Meta error 131047 (Re-engagement message): Message failed to send because more than 24 hours have passed.",
    );
  });

  it("answers a wrong token with 190 / HTTP 401: the number is unusable, the token never in the message", async () => {
    const failure = await failureOf(
      service({ accessToken: "EAAG-wrong-token", wabaInstanceId: "w-wrong" }).send("+221771234567", { text: "x" }),
    );
    expect(failure).toMatchObject({ code: "number_unusable", httpStatus: 401 });
    expect(failure.message).toContain("Meta error 190");
    expect(failure.message).not.toContain("EAAG-wrong-token");
    expect(decideRetry(failure, 1, NOW, NOW + DAY)).toMatchObject({ action: "fail", instanceProblem: true });
  });

  it("redacts the token should Meta echo it back", async () => {
    meta.injectFault({ code: 190, details: `token ${TOKEN} has expired` });
    const failure = await failureOf(service().send("+221771234567", { text: "x" }));
    expect(failure.message).not.toContain(TOKEN);
    expect(failure.message).toContain("token [redacted] has expired");
  });

  it("rejects what Meta finds invalid (code 100): a bad number, an empty text", async () => {
    const badNumber = await failureOf(service().send("12", { text: "x" }));
    expect(badNumber).toMatchObject({ code: "rejected", httpStatus: 400 });
    expect(badNumber.message).toContain("Meta error 100");
    expect((await failureOf(service().send("+221771234567", { text: "" }))).code).toBe("rejected");
  });

  it("falls back on the HTTP status without a known code", async () => {
    meta.injectFault({ httpStatus: 500 });
    expect(await failureOf(service().send("+221771234567", { text: "x" }))).toMatchObject({
      code: "server_error",
      httpStatus: 500,
      message: "Meta failed: HTTP 500",
    });
    // A gateway's 502/504: the send may have been made behind it.
    meta.injectFault({ httpStatus: 502 });
    expect(await failureOf(service().send("+221771234567", { text: "x" }))).toMatchObject({
      code: "connection_lost",
      httpStatus: 502,
    });
    meta.injectFault({ httpStatus: 504 });
    expect((await failureOf(service().send("+221771234567", { text: "x" }))).code).toBe("connection_lost");
    meta.injectFault({ code: 999999, httpStatus: 503 });
    expect((await failureOf(service().send("+221771234567", { text: "x" }))).code).toBe("server_error");
    meta.injectFault({ code: 999999, httpStatus: 400 });
    expect((await failureOf(service().send("+221771234567", { text: "x" }))).code).toBe("rejected");
    meta.injectFault({ httpStatus: 429 });
    expect((await failureOf(service().send("+221771234567", { text: "x" }))).code).toBe("rate_limited");
  });

  it("calls a 2xx without a wamid a bad response (probably sent: never resent)", async () => {
    meta.injectFault({ httpStatus: 200, body: { messaging_product: "whatsapp", messages: [] } });
    const failure = await failureOf(service().send("+221771234567", { text: "x" }));
    expect(failure).toMatchObject({ code: "bad_response", httpStatus: 200 });
    expect(decideRetry(failure, 1, NOW, NOW + DAY)).toMatchObject({ action: "fail", instanceProblem: false });
  });
});

describe("fake Meta control route", () => {
  it("takes faults over HTTP (POST /_sandbox/faults) and drops them (DELETE)", async () => {
    const origin = new URL(meta.apiUrl).origin;
    const posted = await fetch(`${origin}/_sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ code: 131047, times: 2 }),
    });
    expect(posted.status).toBe(200);
    expect((await failureOf(service().send("+221771234567", { text: "x" }))).code).toBe("outside_window");
    const cleared = (await (await fetch(`${origin}/_sandbox/faults`, { method: "DELETE" })).json()) as {
      faults: unknown[];
    };
    expect(cleared.faults).toEqual([]);
    expect((await service().send("+221771234567", { text: "x" })).ok).toBe(true);
    expect((await fetch(`${origin}/_sandbox/faults`, { method: "POST", body: "not json" })).status).toBe(400);
  });
});

describe("MetaCloudService transport failures", () => {
  it("tells a connection refused (never reached Meta) apart: unreachable, retried without duplicate mark", async () => {
    const closed = await startFakeMeta();
    const apiUrl = closed.apiUrl;
    await closed.close();
    const failure = await failureOf(
      service({ apiUrl, wabaInstanceId: "w-closed" }).send("+221771234567", { text: "x" }),
    );
    expect(failure.code).toBe("unreachable");
    expect(decideRetry(failure, 1, NOW, NOW + DAY)).toMatchObject({ action: "retry", possibleDuplicate: false });
  });

  it("calls a reset after the request was written connection_lost (possible duplicate)", async () => {
    meta.injectFault({ drop: true });
    const failure = await failureOf(service().send("+221771234567", { text: "x" }));
    expect(failure.code).toBe("connection_lost");
    expect(decideRetry(failure, 1, NOW, NOW + DAY)).toMatchObject({ action: "retry", possibleDuplicate: true });
  });

  it("times out on a silent Meta after the configured timeout (possible duplicate)", async () => {
    meta.injectFault({ hang: true, delayMs: 3_000 });
    const started = Date.now();
    const failure = await failureOf(
      service({ timeoutMs: 300, wabaInstanceId: "w-fast" }).send("+221771234567", { text: "x" }),
    );
    expect(failure).toMatchObject({ code: "timeout", message: "Meta did not answer within 0.3s" });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(decideRetry(failure, 1, NOW, NOW + DAY)).toMatchObject({ action: "retry", possibleDuplicate: true });
  });
});

describe("Meta message bodies", () => {
  it("sends the document when both URLs are given (one medium per message)", () => {
    expect(
      messageBody("+221771234567", {
        text: "t",
        imageUrl: "https://x.test/a.jpg",
        documentUrl: "https://x.test/f.pdf",
      }),
    ).toMatchObject({
      type: "document",
      document: { link: "https://x.test/f.pdf", filename: "f.pdf", caption: "t" },
    });
  });

  it("leaves the caption out when there is no text, and cuts a long caption to Meta's 1024 characters", () => {
    expect(messageBody("+221771234567", { text: "", imageUrl: "https://x.test/a.jpg" })).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "221771234567",
      type: "image",
      image: { link: "https://x.test/a.jpg" },
    });
    const long = messageBody("+221771234567", { text: "😀".repeat(2000), imageUrl: "https://x.test/a.jpg" }) as {
      image: { caption: string };
    };
    expect(Array.from(long.image.caption)).toHaveLength(1024);
    expect(long.image.caption.endsWith("…")).toBe(true);
  });

  it("names a document after the URL's last segment, else 'document'", () => {
    expect(filenameOf("https://x.test/a/b/facture-12.pdf")).toBe("facture-12.pdf");
    expect(filenameOf("https://x.test/")).toBe("document");
    expect(filenameOf("https://x.test/bad%E0%A4%A.pdf")).toBe("bad%E0%A4%A.pdf");
    expect(filenameOf("not a url")).toBe("document");
  });
});

describe("ProviderServices (meta)", () => {
  it("keeps one service per vendor number and replaces it when the token, number id or URL changes", () => {
    const first = service();
    expect(service()).toBe(first);
    const rotated = service({ accessToken: "EAAG-rotated" });
    expect(rotated).not.toBe(first);
    expect(rotated.config.accessToken).toBe("EAAG-rotated");
    expect(service({ accessToken: "EAAG-rotated", phoneNumberId: "555000111" })).not.toBe(rotated);
    const other = registry.meta({
      vendorId: "v2",
      wabaInstanceId: "w1",
      phoneNumberId: PHONE_ID,
      accessToken: TOKEN,
      apiUrl: meta.apiUrl,
    });
    expect(other).not.toBe(service());
  });

  it("sends through a service after the registry is closed and reopened with a fresh pool", async () => {
    const local = new ProviderServices();
    const config = {
      vendorId: "v9",
      wabaInstanceId: "w9",
      phoneNumberId: PHONE_ID,
      accessToken: TOKEN,
      apiUrl: meta.apiUrl,
    };
    expect((await local.meta(config).send("+221771234567", { text: "x" })).ok).toBe(true);
    expect(local.size).toBe(1);
    await local.close();
    expect(local.size).toBe(0);
    expect((await local.meta(config).send("+221771234567", { text: "y" })).ok).toBe(true);
    await local.close();
  });
});
