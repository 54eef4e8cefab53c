import { describe, expect, it } from "vitest";
import {
  interpretMessage,
  messagesOf,
  messageText,
  senderPhone,
  wasenderMessageSchema,
} from "../../src/wasender/message-payloads";
import { messagesReceived, messagesUpsert, personalReceived, wasenderMessage } from "../support/payloads";

const parse = (raw: unknown) => wasenderMessageSchema.parse(raw);

describe("messagesOf", () => {
  it("reads all three documented shapes", () => {
    expect(messagesOf(messagesReceived().data)).toHaveLength(1);
    expect(messagesOf(messagesUpsert({}, {}, {}).data)).toHaveLength(3);
    const flat = personalReceived().data;
    expect(messagesOf(flat)).toEqual([flat]);
  });
});

describe("messageText", () => {
  const base = wasenderMessage();
  it("prefers messageBody, then conversation, then extended text, then a caption", () => {
    expect(messageText(parse({ ...base, messageBody: "body", message: { conversation: "conv" } }))).toBe("body");
    expect(messageText(parse({ ...base, messageBody: undefined, message: { conversation: "conv" } }))).toBe("conv");
    expect(messageText(parse({ ...base, messageBody: null, message: { extendedTextMessage: { text: "ext" } } }))).toBe(
      "ext",
    );
    expect(
      messageText(parse({ ...base, messageBody: undefined, message: { imageMessage: { caption: "cap", url: "u" } } })),
    ).toBe("cap");
    expect(messageText(parse({ ...base, messageBody: undefined, message: { audioMessage: {} } }))).toBe("");
  });
});

describe("senderPhone", () => {
  it("uses cleanedSenderPn, then senderPn, then a phone-number JID, in E.164", () => {
    const m = wasenderMessage({ phone: "221771234567" });
    expect(senderPhone(parse(m))).toBe("+221771234567");
    expect(senderPhone(parse({ ...m, key: { ...m.key, cleanedSenderPn: undefined } }))).toBe("+221771234567");
    expect(senderPhone(parse({ ...m, key: { id: "x", remoteJid: "221771234567:3@s.whatsapp.net" } }))).toBe(
      "+221771234567",
    );
  });

  it("never reads a phone out of a LID", () => {
    const m = {
      key: { id: "x", remoteJid: "123456789012345@lid", addressingMode: "lid", senderLid: "123456789012345@lid" },
    };
    expect(senderPhone(parse(m))).toBeUndefined();
    expect(interpretMessage("messages.received", m, 0)).toMatchObject({
      outcome: "ignored",
      reason: expect.stringContaining("LID"),
    });
  });
});

describe("interpretMessage", () => {
  it("ignores the vendor's own messages and group messages", () => {
    expect(interpretMessage("messages.upsert", wasenderMessage({ fromMe: true }), 0).outcome).toBe("ignored");
    const group = wasenderMessage();
    group.key.remoteJid = "1203630@g.us";
    expect(interpretMessage("messages.upsert", group, 0)).toMatchObject({
      outcome: "ignored",
      reason: expect.stringContaining("group"),
    });
    expect(interpretMessage("messages-group.received", wasenderMessage(), 0).outcome).toBe("ignored");
  });

  it("reports an element that is not a message", () => {
    expect(interpretMessage("messages.received", { nothing: 1 }, 2)).toMatchObject({ outcome: "invalid", index: 2 });
  });

  it("accepts a customer's text with name, kind and time", () => {
    const result = interpretMessage("messages.received", wasenderMessage({ text: "ROBE1", pushName: "Fatou" }), 0);
    expect(result).toMatchObject({
      outcome: "accepted",
      message: {
        from: "+221771234567",
        text: "ROBE1",
        kind: "text",
        customerName: "Fatou",
        event: "messages.received",
      },
    });
  });
});

describe("the design document's message event", () => {
  it("reads { from, message, id } as a text message from that number", () => {
    const outcome = interpretMessage("message", { from: "221701111111", message: "Test message", id: "msg_123" }, 0);
    expect(outcome).toEqual({
      outcome: "accepted",
      message: { waMessageId: "msg_123", from: "+221701111111", text: "Test message", kind: "text", event: "message" },
    });
    expect(interpretMessage("message", { from: "+221701111111", message: "x", id: "a" }, 0).outcome).toBe("accepted");
    expect(interpretMessage("message", { from: "221701111111@s.whatsapp.net", message: "x", id: "a" }, 0).outcome).toBe(
      "accepted",
    );
  });

  it("names data.from when it is not a phone number, and the missing field otherwise", () => {
    for (const from of ["22170111111", "abc", "", "12", 221, "123456789012345678@lid"]) {
      const outcome = interpretMessage("message", { from, message: "x", id: "a" }, 0);
      expect(outcome.outcome, String(from)).toBe("invalid");
      expect(outcome.outcome === "invalid" && outcome.reason, String(from)).toMatch(/^data\.from: /);
    }
    const missing = interpretMessage("message", { from: "221701111111", id: "a" }, 0);
    expect(missing.outcome === "invalid" && missing.reason).toMatch(/^data\.message: /);
  });
});

describe("the sender's time", () => {
  it("is kept when Firestore can store it, and left out (never failing the message) when it cannot", () => {
    const at = (messageTimestamp: unknown) => {
      const result = interpretMessage("messages.received", { ...wasenderMessage(), messageTimestamp }, 0);
      return result.outcome === "accepted" ? result.message.sentAt : "not accepted";
    };
    expect(at(1_764_000_000)).toEqual(new Date(1_764_000_000_000));
    expect(at("1764000000")).toEqual(new Date(1_764_000_000_000));
    // Past year 9999 (Firestore's last storable second), absurd, negative or not a number: no time.
    for (const value of [2.0485908007987654e115, 253_402_300_800, 1e300, -5, 0, "soon", null])
      expect(at(value)).toBeUndefined();
  });
});
