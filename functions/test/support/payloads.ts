import { randomUUID } from "node:crypto";

/** Wasender-shaped webhook bodies, as ../shared notes on Wasender document them. */
export interface MessageOptions {
  id?: string;
  phone?: string;
  text?: string;
  fromMe?: boolean;
  pushName?: string;
  lid?: boolean;
}

export function waMessageId(): string {
  return `3EB0${randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase()}`;
}

/** One message object; `lid: true` addresses it by LID, with the phone only in senderPn fields. */
export function wasenderMessage(options: MessageOptions = {}) {
  const phone = options.phone ?? "221771234567";
  const lid = "123456789012345@lid";
  return {
    key: {
      id: options.id ?? waMessageId(),
      fromMe: options.fromMe ?? false,
      remoteJid: options.lid ? lid : `${phone}@s.whatsapp.net`,
      addressingMode: options.lid ? "lid" : "pn",
      senderPn: `${phone}@s.whatsapp.net`,
      cleanedSenderPn: phone,
      ...(options.lid && { senderLid: lid }),
    },
    pushName: options.pushName ?? "Awa",
    messageTimestamp: 1764000000,
    messageBody: options.text ?? "Bonjour",
    message: { conversation: options.text ?? "Bonjour" },
  };
}

/** `messages.received`: `data.messages` is one object. */
export function messagesReceived(options: MessageOptions = {}) {
  return { event: "messages.received", timestamp: 1764000000, data: { messages: wasenderMessage(options) } };
}

/** `messages.upsert`: `data.messages` is an array. */
export function messagesUpsert(...messages: MessageOptions[]) {
  return {
    event: "messages.upsert",
    timestamp: 1764000000,
    data: { messages: messages.map((m) => wasenderMessage(m)) },
  };
}

/** `messages-personal.received`: flat, `data` is the message itself. */
export function personalReceived(options: MessageOptions = {}) {
  return { event: "messages-personal.received", timestamp: 1764000000, data: wasenderMessage(options) };
}
