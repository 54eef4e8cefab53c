// Webhook requests as Wasender sends them (see the project's notes on Wasender): a message event from a
// customer and a delivery status, with the secret in X-Webhook-Signature.
import { randomBytes } from "node:crypto";

let sequence = 0;

/** A WhatsApp-like message id, unique in this process. */
export function waMessageId() {
  sequence += 1;
  return `3EB0${randomBytes(6).toString("hex").toUpperCase()}${sequence.toString(36).toUpperCase()}`;
}

/** One customer message as Wasender lists it in an event. */
function messageObject(digits, text, id) {
  return {
    key: {
      id,
      fromMe: false,
      remoteJid: `${digits}@s.whatsapp.net`,
      addressingMode: "pn",
      senderPn: `${digits}@s.whatsapp.net`,
      cleanedSenderPn: digits,
    },
    pushName: "Client",
    messageTimestamp: Math.floor(Date.now() / 1000),
    messageBody: text,
    message: { conversation: text },
  };
}

/** `messages.received` from `phone` (E.164) saying `text`. */
export function messageEvent(phone, text, id = waMessageId()) {
  const digits = phone.replace(/^\+/, "");
  return {
    id,
    body: JSON.stringify({
      event: "messages.received",
      timestamp: Math.floor(Date.now() / 1000),
      data: { messages: messageObject(digits, text, id) },
    }),
  };
}

/** `messages.upsert` carrying several messages of one customer, in the order they were sent (a batch). */
export function batchEvent(phone, texts) {
  const digits = phone.replace(/^\+/, "");
  return JSON.stringify({
    event: "messages.upsert",
    timestamp: Math.floor(Date.now() / 1000),
    data: { messages: texts.map((text) => messageObject(digits, text, waMessageId())) },
  });
}

/** `messages.update` for one of the vendor's own messages (status 3 = delivered). */
export function statusEvent(waId, status = 3) {
  return JSON.stringify({
    event: "messages.update",
    timestamp: Math.floor(Date.now() / 1000),
    data: { key: { id: waId, fromMe: true }, update: { status } },
  });
}

export function signedHeaders(secret) {
  return { "content-type": "application/json", "x-webhook-signature": secret };
}

/** The n-th customer phone of a series (distinct series keep distinct conversations). */
export function customerPhone(series, n) {
  return `+22177${String(series % 10)}${String(n).padStart(6, "0")}`;
}
