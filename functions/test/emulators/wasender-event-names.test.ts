import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeWasender, type FakeWasender } from "../../../scripts/lib/fake-wasender.mjs";
import { settled } from "../support/delivery";
import { adminDb, createVendor, messagesOf, postWebhook } from "../support/emulators";
import { wasenderMessage } from "../support/payloads";

// Wasender's two official clients spell the flat events differently (TypeScript SDK
// `messages-personal.received`, Laravel SDK `message.personal.received`): both are answered alike.

const db = adminDb();
let wasender: FakeWasender;

beforeAll(async () => {
  wasender = await startFakeWasender();
});
afterAll(async () => {
  await wasender.close();
});

describe("Wasender's event names as both official clients spell them", () => {
  it("a personal message under either spelling is answered once; group and newsletter posts under either are not", async () => {
    const vendor = await createVendor(db, { apiUrl: wasender.apiUrl });
    for (const [event, customer] of [
      ["messages-personal.received", "221775000001"],
      ["message.personal.received", "221775000002"],
    ] as const) {
      const res = await postWebhook(vendor, {
        event,
        timestamp: 1764000000,
        data: wasenderMessage({ phone: customer }),
      });
      expect(res.status, res.text).toBe(200);
      expect(res.json.results).toEqual([expect.objectContaining({ outcome: "stored" })]);
      const [reply] = await settled(vendor.vendorId, `+${customer}`);
      expect(reply).toMatchObject({ status: "sent", provider: "wasender" });
    }
    for (const event of [
      "messages-group.received",
      "message.group.received",
      "messages-newsletter.received",
      "message.newsletter.received",
    ]) {
      const customer = "221775000003";
      const res = await postWebhook(vendor, {
        event,
        timestamp: 1764000000,
        data: wasenderMessage({ phone: customer }),
      });
      expect(res.status, res.text).toBe(200);
      expect(res.json.results).toEqual([expect.objectContaining({ outcome: "ignored" })]);
      expect((await messagesOf(db, vendor.vendorId, `+${customer}`).get()).size).toBe(0);
    }
  }, 60_000);
});
