import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { contentKindSchema } from "../../src/model/message";
import { deliveryStatusSchema } from "../../src/model/delivery";
import {
  parseMetaWebhook,
  verifyChallenge,
  verifyMetaSignature,
  type MetaInboundItem,
  type MetaWebhookItem,
} from "../../src/meta/webhook-payloads";

const PN_A = "109876543210";
const PN_B = "555000111";

const value = (phoneNumberId: string, rest: Record<string, unknown>) => ({
  messaging_product: "whatsapp",
  metadata: { display_phone_number: "221330000000", phone_number_id: phoneNumberId },
  ...rest,
});
const body = (...entries: Array<Array<{ field?: string; value: unknown }>>) => ({
  object: "whatsapp_business_account",
  entry: entries.map((changes, index) => ({
    id: `WABA${index}`,
    changes: changes.map((change) => ({ field: change.field ?? "messages", value: change.value })),
  })),
});
const message = (type: string, extra: Record<string, unknown>, from = "221771234567", id = `wamid.${type}`) => ({
  from,
  id,
  timestamp: "1700000000",
  type,
  ...extra,
});

function parsed(input: unknown): { items: MetaWebhookItem[]; skipped: string[] } {
  const result = parseMetaWebhook(input);
  if (!result.ok) throw new Error(result.error);
  return result;
}
const inbound = (items: MetaWebhookItem[]) => items.filter((item): item is MetaInboundItem => item.type === "message");

describe("parseMetaWebhook: messages", () => {
  it("reads every type: text, captions, interactive and button titles; unknown types kept as other with no text", () => {
    const messages = [
      message("text", { text: { body: "Bonjour, le prix ?" } }),
      message("image", { image: { id: "img1", mime_type: "image/jpeg", caption: "Celle-ci" } }),
      message("video", { video: { id: "v1", caption: "vidéo" } }),
      message("document", { document: { id: "d1", filename: "a.pdf", caption: "bon de commande" } }),
      message("audio", { audio: { id: "a1", voice: true } }),
      message("sticker", { sticker: { id: "s1" } }),
      message("interactive", { interactive: { type: "button_reply", button_reply: { id: "b1", title: "Commander" } } }),
      message(
        "interactive",
        { interactive: { type: "list_reply", list_reply: { id: "l1", title: "Taille M", description: "x" } } },
        "221771234567",
        "wamid.list",
      ),
      message("button", { button: { text: "Oui", payload: "YES" } }),
      message("location", { location: { latitude: 14.7, longitude: -17.4 } }),
      message("reaction", { reaction: { message_id: "wamid.x", emoji: "👍" } }),
      message("contacts", { contacts: [{ name: { formatted_name: "A" } }] }),
      message("order", { order: { catalog_id: "c", product_items: [] } }),
      message("system", { system: { body: "changed number" } }),
      message("unsupported", { errors: [{ code: 131051, title: "Message type unknown" }] }),
      message("some_future_type", { some_future_type: { x: 1 } }),
    ];
    const { items, skipped } = parsed(
      body([{ value: value(PN_A, { contacts: [{ profile: { name: "Awa" }, wa_id: "221771234567" }], messages }) }]),
    );
    expect(skipped).toEqual([]);
    expect(inbound(items).map(({ metaType, kind, text }) => [metaType, kind, text])).toEqual([
      ["text", "text", "Bonjour, le prix ?"],
      ["image", "image", "Celle-ci"],
      ["video", "video", "vidéo"],
      ["document", "document", "bon de commande"],
      ["audio", "audio", ""],
      ["sticker", "sticker", ""],
      ["interactive", "text", "Commander"],
      ["interactive", "text", "Taille M"],
      ["button", "text", "Oui"],
      ["location", "other", ""],
      ["reaction", "other", ""],
      ["contacts", "other", ""],
      ["order", "other", ""],
      ["system", "other", ""],
      ["unsupported", "other", ""],
      ["some_future_type", "other", ""],
    ]);
    for (const item of inbound(items)) expect(contentKindSchema.safeParse(item.kind).success).toBe(true);
  });

  it("gives each message its wamid, E.164 sender, the contact's name matched by wa_id, sentAt and number id", () => {
    const { items } = parsed(
      body([
        {
          value: value(PN_A, {
            contacts: [
              { profile: "not an object", wa_id: "221700000000" },
              { profile: { name: "Moussa" }, wa_id: "221781111111" },
              { profile: { name: "Awa" }, wa_id: "221771234567" },
            ],
            messages: [
              message("text", { text: { body: "a" } }, "221771234567", "wamid.A"),
              message("text", { text: { body: "b" } }, "221781111111", "wamid.B"),
            ],
          }),
        },
      ]),
    );
    expect(items).toEqual([
      {
        type: "message",
        phoneNumberId: PN_A,
        metaType: "text",
        waMessageId: "wamid.A",
        from: "+221771234567",
        customerName: "Awa",
        text: "a",
        kind: "text",
        sentAt: new Date(1_700_000_000_000),
      },
      expect.objectContaining({ waMessageId: "wamid.B", from: "+221781111111", customerName: "Moussa" }),
    ]);
  });

  it("flattens a batch of several entries and changes, each item tagged with its own phone_number_id", () => {
    const { items, skipped } = parsed(
      body(
        [
          { value: value(PN_A, { messages: [message("text", { text: { body: "1" } }, "221771234567", "wamid.1")] }) },
          {
            value: value(PN_A, {
              statuses: [
                { id: "wamid.out1", status: "delivered", timestamp: "1700000100", recipient_id: "221771234567" },
              ],
            }),
          },
          { field: "account_update", value: { event: "VERIFIED" } },
        ],
        [
          {
            value: value(PN_B, {
              messages: [message("text", { text: { body: "2" } }, "33612345678", "wamid.2")],
              statuses: [{ id: "wamid.out2", status: "read", timestamp: "1700000200", recipient_id: "33612345678" }],
            }),
          },
        ],
      ),
    );
    expect(
      items.map((item) => [item.type, item.phoneNumberId, "waMessageId" in item ? item.waMessageId : item.code]),
    ).toEqual([
      ["message", PN_A, "wamid.1"],
      ["status", PN_A, "wamid.out1"],
      ["message", PN_B, "wamid.2"],
      ["status", PN_B, "wamid.out2"],
    ]);
    expect(inbound(items)[1]!.from).toBe("+33612345678");
    expect(skipped).toEqual(['entry[0].changes[2].field: "account_update" is not handled']);
  });

  it("leaves out a message time Firestore could not store, keeping the message", () => {
    const { items } = parsed(
      body([
        {
          value: value(PN_A, {
            messages: [{ ...message("text", { text: { body: "1" } }), timestamp: "1000000000000" }],
          }),
        },
      ]),
    );
    expect(inbound(items)).toHaveLength(1);
    expect(inbound(items)[0]!.sentAt).toBeUndefined();
  });

  it("names every number a messages change is about, even one with nothing readable in it", () => {
    const result = parseMetaWebhook(
      body([
        { value: value(PN_A, { messages: [message("text", { text: { body: "1" } }, "221771234567", "wamid.1")] }) },
        { value: value(PN_B, { messages: [] }) },
        { value: { metadata: { phone_number_id: "999" }, messages: "not a list" } },
        { field: "account_update", value: { metadata: { phone_number_id: "888" } } },
      ]),
    );
    expect(result.ok && result.phoneNumberIds).toEqual([PN_A, PN_B, "999"]);
    expect(result.ok && result.items.map((item) => item.phoneNumberId)).toEqual([PN_A]);
  });

  it("skips a message of a wrong shape or with no usable sender, naming the field, and keeps the rest", () => {
    const { items, skipped } = parsed(
      body([
        {
          value: value(PN_A, {
            messages: [
              { from: "221771234567", timestamp: "1", type: "text", text: { body: "no id" } },
              message("text", { text: { body: "bad from" } }, "not-a-number", "wamid.badfrom"),
              message("text", { text: {} }, "221771234567", "wamid.nobody"),
              message("text", { text: { body: "fine" } }, "221771234567", "wamid.fine"),
              message("text", { text: { body: "slash" } }, "221771234567", "wamid/../x"),
            ],
          }),
        },
        { value: { messages: [] } },
      ]),
    );
    expect(inbound(items).map((item) => item.waMessageId)).toEqual(["wamid.fine"]);
    expect(skipped).toHaveLength(5);
    expect(skipped[0]).toMatch(/^entry\[0\]\.changes\[0\]\.value\.messages\[0\]\.id: /);
    expect(skipped[1]).toBe("entry[0].changes[0].value.messages[1].from: not a phone number in international digits");
    expect(skipped[2]).toMatch(/^entry\[0\]\.changes\[0\]\.value\.messages\[2\]\.text\.body: /);
    expect(skipped[3]).toMatch(/^entry\[0\]\.changes\[0\]\.value\.messages\[4\]\.id: must be a message id/);
    expect(skipped[4]).toMatch(/^entry\[0\]\.changes\[1\]\.value\.metadata: /);
  });

  it("makes stored text well-formed and bounded", () => {
    const { items } = parsed(
      body([
        {
          value: value(PN_A, {
            contacts: [{ profile: { name: "x".repeat(1000) }, wa_id: "221771234567" }],
            messages: [message("text", { text: { body: "a\ud800b" } })],
          }),
        },
      ]),
    );
    const [item] = inbound(items);
    expect(item!.text).toBe("a\uFFFDb");
    expect(item!.customerName).toHaveLength(256);
  });
});

describe("parseMetaWebhook: statuses and errors", () => {
  it("maps sent, delivered, read, played and failed (to error, with Meta's code and title)", () => {
    const statuses = [
      { id: "wamid.s", status: "sent", timestamp: "1700000001", recipient_id: "221771234567" },
      { id: "wamid.d", status: "delivered", timestamp: "1700000002", recipient_id: "221771234567" },
      { id: "wamid.r", status: "read", timestamp: "1700000003", recipient_id: "221771234567" },
      { id: "wamid.p", status: "played", timestamp: "1700000004", recipient_id: "221771234567" },
      {
        id: "wamid.f",
        status: "failed",
        timestamp: "1700000005",
        recipient_id: "221771234567",
        errors: [
          {
            code: 131047,
            title: "Re-engagement message",
            message: "Re-engagement message",
            error_data: {
              details: "Message failed to send because more than 24 hours have passed since the customer last replied.",
            },
          },
        ],
      },
      { id: "wamid.f2", status: "failed", errors: [{ code: 131026, title: "Message undeliverable" }] },
      { id: "wamid.f3", status: "failed", errors: [{ title: "no code" }] },
      { id: "wamid.del", status: "deleted" },
      { status: "read" },
    ];
    const { items, skipped } = parsed(body([{ value: value(PN_A, { statuses }) }]));
    expect(items.map((item) => (item.type === "status" ? [item.waMessageId, item.status] : item.type))).toEqual([
      ["wamid.s", "sent"],
      ["wamid.d", "delivered"],
      ["wamid.r", "read"],
      ["wamid.p", "played"],
      ["wamid.f", "error"],
      ["wamid.f2", "error"],
      ["wamid.f3", "error"],
    ]);
    expect(items[4]).toEqual({
      type: "status",
      phoneNumberId: PN_A,
      waMessageId: "wamid.f",
      status: "error",
      recipientId: "221771234567",
      at: new Date(1_700_000_005_000),
      reason:
        "131047 Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied.",
    });
    expect(items[5]).toMatchObject({ reason: "131026 Message undeliverable" });
    expect(items[0]).not.toHaveProperty("reason");
    expect(items[6]).not.toHaveProperty("reason");
    for (const item of items)
      if (item.type === "status") expect(deliveryStatusSchema.safeParse(item.status).success).toBe(true);
    expect(skipped).toEqual([
      'entry[0].changes[0].value.statuses[7].status: "deleted" is not a delivery status',
      expect.stringMatching(/^entry\[0\]\.changes\[0\]\.value\.statuses\[8\]\.id: /),
    ]);
  });

  it("reads value.errors as error items of the number", () => {
    const { items } = parsed(
      body([
        {
          value: value(PN_B, {
            errors: [{ code: 131000, title: "Something went wrong", message: "Something went wrong" }],
          }),
        },
      ]),
    );
    expect(items).toEqual([
      { type: "error", phoneNumberId: PN_B, code: 131000, reason: "131000 Something went wrong" },
    ]);
  });
});

describe("parseMetaWebhook: what is not a WhatsApp webhook", () => {
  it("says which field is wrong instead of throwing", () => {
    const error = (input: unknown) => {
      const result = parseMetaWebhook(input);
      return result.ok ? "ok" : result.error;
    };
    expect(error(undefined)).toMatch(/^\(body\): /);
    expect(error("text")).toMatch(/^\(body\): /);
    expect(error({ object: "page", entry: [] })).toMatch(/^object: /);
    expect(error({ object: "whatsapp_business_account" })).toMatch(/^entry: /);
    expect(error({ object: "whatsapp_business_account", entry: [{ id: "1" }] })).toMatch(
      /^entry\.0\.changes: |^entry\[0\]\.changes: /,
    );
    expect(error({ object: "whatsapp_business_account", entry: [{ id: "1", changes: [{ value: {} }] }] })).toBe(
      "entry[0].changes[0].field: Invalid input: expected string, received undefined",
    );
    expect(parseMetaWebhook({ object: "whatsapp_business_account", entry: [] })).toEqual({
      ok: true,
      items: [],
      skipped: [],
      phoneNumberIds: [],
    });
  });

  it("never throws on arbitrary JSON, and whatever it accepts is well-formed", () => {
    const check = (input: unknown) => {
      const result = parseMetaWebhook(input);
      if (!result.ok) return typeof result.error === "string" && result.error.length > 0;
      return result.items.every((item) => {
        if (item.type === "message")
          return (
            /^\+[1-9]\d{6,14}$/.test(item.from) &&
            contentKindSchema.safeParse(item.kind).success &&
            typeof item.text === "string"
          );
        if (item.type === "status") return deliveryStatusSchema.safeParse(item.status).success;
        return Number.isInteger(item.code);
      });
    };
    fc.assert(fc.property(fc.jsonValue(), check), { numRuns: 500 });

    // Near-valid bodies, so the inner parsers see arbitrary values too (the outer schema lets them in).
    const anyMessage = fc.record(
      {
        from: fc.oneof(fc.stringMatching(/^\+?[0-9]{0,16}$/), fc.jsonValue()),
        id: fc.oneof(fc.string(), fc.jsonValue()),
        timestamp: fc.oneof(fc.string(), fc.double(), fc.jsonValue()),
        type: fc.oneof(
          fc.constantFrom(
            "text",
            "image",
            "video",
            "document",
            "interactive",
            "button",
            "constructor",
            "__proto__",
            "toString",
          ),
          fc.string(),
        ),
        text: fc.jsonValue(),
        image: fc.jsonValue(),
        interactive: fc.jsonValue(),
        button: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const anyStatus = fc.record(
      {
        id: fc.oneof(fc.string(), fc.jsonValue()),
        status: fc.oneof(fc.constantFrom("sent", "failed", "constructor", "valueOf"), fc.string()),
        errors: fc.jsonValue(),
        timestamp: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    const anyValue = fc.record(
      {
        metadata: fc.oneof(fc.record({ phone_number_id: fc.string() }), fc.jsonValue()),
        contacts: fc.oneof(
          fc.array(fc.record({ wa_id: fc.string(), profile: fc.record({ name: fc.string() }) })),
          fc.jsonValue(),
        ),
        messages: fc.oneof(fc.array(fc.oneof(anyMessage, fc.jsonValue())), fc.jsonValue()),
        statuses: fc.oneof(fc.array(fc.oneof(anyStatus, fc.jsonValue())), fc.jsonValue()),
        errors: fc.oneof(fc.array(fc.jsonValue()), fc.jsonValue()),
      },
      { requiredKeys: [] },
    );
    const anyBody = fc.record({
      object: fc.constant("whatsapp_business_account"),
      entry: fc.array(
        fc.record({
          changes: fc.array(
            fc.record({ field: fc.constantFrom("messages", "x"), value: fc.oneof(anyValue, fc.jsonValue()) }),
          ),
        }),
      ),
    });
    fc.assert(fc.property(anyBody, check), { numRuns: 300 });
  }, 30_000);
});

describe("verifyMetaSignature", () => {
  const SECRET = "app-secret-123";
  const sign = (raw: Buffer, secret = SECRET) => `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`;
  // Meta escapes non-ASCII in its JSON: parsing and re-serializing changes the bytes.
  const raw = Buffer.from(
    '{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"text":"\\u00e9t\\u00e9 \\ud83d\\ude00"}}]}]}',
    "utf8",
  );

  it("accepts the HMAC-SHA256 of the raw bytes with the app secret", () => {
    expect(verifyMetaSignature(raw, sign(raw), SECRET)).toBe(true);
    expect(verifyMetaSignature(raw, sign(raw).toUpperCase().replace("SHA256=", "sha256="), SECRET)).toBe(true);
  });

  it("refuses another secret, another body, and the same JSON re-serialized (accents, emoji)", () => {
    expect(verifyMetaSignature(raw, sign(raw, "other-secret"), SECRET)).toBe(false);
    expect(verifyMetaSignature(Buffer.concat([raw, Buffer.from(" ")]), sign(raw), SECRET)).toBe(false);
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(raw.toString("utf8"))), "utf8");
    expect(reserialized.toString("utf8")).toContain("été 😀");
    expect(verifyMetaSignature(reserialized, sign(raw), SECRET)).toBe(false);
    expect(verifyMetaSignature(reserialized, sign(reserialized), SECRET)).toBe(true);
  });

  it("refuses a missing or malformed header, and an empty secret", () => {
    const good = sign(raw);
    const hex = good.slice("sha256=".length);
    for (const header of [
      undefined,
      "",
      "sha256=",
      hex,
      `sha1=${hex}`,
      `sha256=${hex.slice(1)}`,
      `sha256=${hex}00`,
      `sha256=${"z".repeat(64)}`,
      `sha256=${hex},sha256=${hex}`,
      `sha256= ${hex}`,
    ]) {
      expect(verifyMetaSignature(raw, header, SECRET), String(header)).toBe(false);
    }
    expect(verifyMetaSignature(raw, sign(raw, ""), "")).toBe(false);
    fc.assert(fc.property(fc.string(), (header) => verifyMetaSignature(raw, header, SECRET) === false));
  });
});

describe("verifyChallenge", () => {
  const TOKEN = "my-verify-token";
  const query = (mode: unknown, token: unknown, challenge: unknown) => ({
    "hub.mode": mode,
    "hub.verify_token": token,
    "hub.challenge": challenge,
  });

  it("answers the challenge when the mode is subscribe and the token is ours", () => {
    expect(verifyChallenge(query("subscribe", TOKEN, "1158201444"), TOKEN)).toBe("1158201444");
    // Some query parsers nest dotted keys.
    expect(verifyChallenge({ hub: { mode: "subscribe", verify_token: TOKEN, challenge: "42" } }, TOKEN)).toBe("42");
  });

  it("refuses a wrong token or mode, a missing or odd challenge, repeated parameters and an unset token", () => {
    expect(verifyChallenge(query("subscribe", "nope", "1"), TOKEN)).toBeUndefined();
    expect(verifyChallenge(query("subscribe", `${TOKEN}x`, "1"), TOKEN)).toBeUndefined();
    expect(verifyChallenge(query("unsubscribe", TOKEN, "1"), TOKEN)).toBeUndefined();
    expect(verifyChallenge(query("subscribe", TOKEN, undefined), TOKEN)).toBeUndefined();
    expect(verifyChallenge(query("subscribe", TOKEN, "<script>alert(1)</script>"), TOKEN)).toBeUndefined();
    expect(verifyChallenge(query("subscribe", [TOKEN, TOKEN], "1"), TOKEN)).toBeUndefined();
    expect(verifyChallenge(query("subscribe", "", "1"), "")).toBeUndefined();
    expect(verifyChallenge(undefined, TOKEN)).toBeUndefined();
    fc.assert(fc.property(fc.jsonValue(), (input) => verifyChallenge(input, TOKEN) === undefined));
  });
});
