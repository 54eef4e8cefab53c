import { describe, expect, it } from "vitest";
import { metaSignature, metaTextEvent, metaVerifyUrl, metaWebhookPath } from "../../../scripts/lib/meta-webhook.mjs";
import {
  parseMetaWebhook,
  verifyChallenge,
  verifyMetaSignature,
  type MetaInboundItem,
} from "../../src/meta/webhook-payloads";

// `npm run webhook -- --provider meta` builds its events with scripts/lib/meta-webhook.mjs: what it
// posts must be what the backend's Meta webhook reads and authenticates.

const SECRET = "demo-meta-app-secret-test";
const event = (overrides: Partial<Parameters<typeof metaTextEvent>[0]> = {}) =>
  metaTextEvent({
    phoneNumberId: "100000000000001",
    displayPhoneNumber: "+221 70 111 11 11",
    from: "+221771234567",
    name: "Fatou",
    text: "Bonjour, je veux ROBE1 👗 à 15 000 F",
    ...overrides,
  });

describe("the webhook command's Meta events", () => {
  it("are read by parseMetaWebhook as one text message from the customer, to the instance's number", () => {
    const raw = JSON.stringify(event({ id: "wamid.demo1", timestamp: 1_800_000_000 }));
    const result = parseMetaWebhook(JSON.parse(raw));
    if (!result.ok) throw new Error(result.error);
    expect(result.skipped).toEqual([]);
    expect(result.items).toHaveLength(1);
    const item = result.items[0] as MetaInboundItem;
    expect(item).toMatchObject({
      type: "message",
      phoneNumberId: "100000000000001",
      waMessageId: "wamid.demo1",
      from: "+221771234567",
      customerName: "Fatou",
      text: "Bonjour, je veux ROBE1 👗 à 15 000 F",
      kind: "text",
      metaType: "text",
    });
    expect(item.sentAt).toEqual(new Date(1_800_000_000_000));
  });

  it("send numbers as Meta does: digits without '+'", () => {
    const value = event().entry[0]!.changes[0]!.value;
    expect(value.metadata.display_phone_number).toBe("221701111111");
    expect(value.messages[0]!.from).toBe("221771234567");
    expect(value.contacts?.[0]?.wa_id).toBe("221771234567");
  });

  it("get a new wamid each time, one the backend accepts as a document id", () => {
    const ids = new Set(Array.from({ length: 200 }, () => event().entry[0]!.changes[0]!.value.messages[0]!.id));
    expect(ids.size).toBe(200);
    for (const id of ids) {
      expect(id).toMatch(/^wamid\./);
      expect(id).not.toContain("/");
    }
    const result = parseMetaWebhook(event());
    expect(result.ok && result.skipped).toEqual([]);
  });

  it("without a name, still carry the message (no contacts)", () => {
    const result = parseMetaWebhook(event({ name: undefined }));
    if (!result.ok) throw new Error(result.error);
    expect(result.items[0]).not.toHaveProperty("customerName");
  });

  it("are signed so that verifyMetaSignature accepts the exact bytes, and nothing else", () => {
    const raw = JSON.stringify(event());
    const header = metaSignature(raw, SECRET);
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyMetaSignature(Buffer.from(raw, "utf8"), header, SECRET)).toBe(true);
    expect(verifyMetaSignature(Buffer.from(raw, "utf8"), header, "another-secret")).toBe(false);
    // The same JSON with its accents and emoji escaped: other bytes, so another signature.
    // Everything outside ASCII (NUL to DEL) gets escaped.
    // eslint-disable-next-line no-control-regex
    const escaped = raw.replace(/[^\x00-\x7f]/g, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`);
    expect(JSON.parse(escaped)).toEqual(JSON.parse(raw));
    expect(verifyMetaSignature(Buffer.from(escaped, "utf8"), header, SECRET)).toBe(false);
  });
});

describe("the webhook command's Meta verification (--verify)", () => {
  it("asks the vendor's Meta URL with the query verifyChallenge answers", () => {
    const { url, challenge } = metaVerifyUrl("http://127.0.0.1:5000/", "vendor_001", {
      verifyToken: "demo-meta-verify-token",
    });
    const parsed = new URL(url);
    expect(parsed.pathname).toBe(metaWebhookPath("vendor_001"));
    expect(parsed.pathname).toBe("/api/webhooks/meta/vendor_001");
    const query = Object.fromEntries(parsed.searchParams);
    expect(verifyChallenge(query, "demo-meta-verify-token")).toBe(challenge);
    expect(verifyChallenge(query, "another-token")).toBeUndefined();
  });
});
