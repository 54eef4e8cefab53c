import { z } from "zod";
import { digitsToE164 } from "../shared/phone";
import { externalIdSchema, fromUnixSeconds, wellFormed } from "../model/common";
import type { ContentKind, InboundMessage } from "../model/message";

/**
 * The two official clients spell the flat events differently (TypeScript SDK `messages-personal.received`,
 * Laravel SDK `message.personal.received`): both are Wasender's, both are answered alike.
 */
export const MESSAGE_EVENTS = [
  "messages.received",
  "messages.upsert",
  "messages-personal.received",
  "message.personal.received",
];
/**
 * The design document's own test event ("Test Webhook Local"): flat `data = { from, message, id }`,
 * `message` being the text. Accepted like Wasender's message events.
 */
export const DESIGN_MESSAGE_EVENT = "message";
/** Group chats are not a storefront: the bot never answers into a group. */
export const GROUP_MESSAGE_EVENTS = ["messages-group.received", "message.group.received"];
/** A channel's (newsletter's) posts: no customer to answer. */
export const NEWSLETTER_MESSAGE_EVENTS = ["messages-newsletter.received", "message.newsletter.received"];

const captioned = z.looseObject({ caption: z.string().nullish() });

const messageKeySchema = z.looseObject({
  id: externalIdSchema,
  fromMe: z.boolean().optional(),
  remoteJid: z.string().optional(),
  addressingMode: z.string().optional(),
  senderPn: z.string().nullish(),
  cleanedSenderPn: z.string().nullish(),
  participant: z.string().nullish(),
  cleanedParticipantPn: z.string().nullish(),
});

export const wasenderMessageSchema = z.looseObject({
  key: messageKeySchema,
  pushName: z.string().nullish(),
  messageTimestamp: z.union([z.number(), z.string()]).nullish(),
  messageBody: z.string().nullish(),
  message: z
    .looseObject({
      conversation: z.string().nullish(),
      extendedTextMessage: z.looseObject({ text: z.string().nullish() }).nullish(),
      imageMessage: captioned.nullish(),
      videoMessage: captioned.nullish(),
      documentMessage: captioned.nullish(),
      audioMessage: z.looseObject({}).nullish(),
      stickerMessage: z.looseObject({}).nullish(),
    })
    .nullish(),
});
export type WasenderMessage = z.infer<typeof wasenderMessageSchema>;

/** `data.messages` (one object, or an array), else the flat `data` itself. */
export function messagesOf(data: unknown): unknown[] {
  if (data !== null && typeof data === "object" && "messages" in data) {
    const messages = data.messages;
    return Array.isArray(messages) ? messages : [messages];
  }
  return [data];
}

const JID_SUFFIX = /@s\.whatsapp\.net$/;

/** Digits of a phone-number JID ("221771234567:12@s.whatsapp.net"); a LID or group JID is not one. */
function phoneJidDigits(jid: string | null | undefined): string | undefined {
  if (!jid || !JID_SUFFIX.test(jid)) return undefined;
  return jid.replace(JID_SUFFIX, "").split(":")[0];
}

/**
 * The customer's phone in E.164. Wasender's cleaned fields first; a `@s.whatsapp.net` JID is a phone
 * number too, but an `@lid` address never is, so a LID-only sender has no phone.
 */
export function senderPhone(message: WasenderMessage): string | undefined {
  const key = message.key;
  const candidates = [key.cleanedSenderPn, phoneJidDigits(key.senderPn), phoneJidDigits(key.remoteJid)];
  for (const candidate of candidates) {
    const phone = candidate ? digitsToE164(candidate.replace(/\D/g, "")) : undefined;
    if (phone) return phone;
  }
  return undefined;
}

export function isGroupMessage(message: WasenderMessage): boolean {
  return message.key.remoteJid?.endsWith("@g.us") === true || Boolean(message.key.participant);
}

function contentKind(message: WasenderMessage): ContentKind {
  const m = message.message;
  if (!m) return "text";
  if (m.conversation != null || m.extendedTextMessage) return "text";
  if (m.imageMessage) return "image";
  if (m.videoMessage) return "video";
  if (m.audioMessage) return "audio";
  if (m.documentMessage) return "document";
  if (m.stickerMessage) return "sticker";
  return message.messageBody ? "text" : "other";
}

/** `messageBody`, else the conversation text, else the extended text, else a media caption. */
export function messageText(message: WasenderMessage): string {
  const m = message.message;
  const text =
    message.messageBody ??
    m?.conversation ??
    m?.extendedTextMessage?.text ??
    m?.imageMessage?.caption ??
    m?.videoMessage?.caption ??
    m?.documentMessage?.caption ??
    "";
  return text;
}

export type MessageOutcome =
  | { outcome: "accepted"; message: InboundMessage }
  | { outcome: "ignored"; waMessageId?: string; reason: string }
  | { outcome: "invalid"; index: number; reason: string };

/** WhatsApp's own limit on a message's text; anything longer did not come from WhatsApp. */
const MAX_TEXT = 65_536;
/** A WhatsApp profile name is short; this keeps a stored message far below Firestore's 1 MiB. */
const MAX_NAME = 256;

/** Text fit to store: well-formed, and cut to WhatsApp's limits. */
const storedText = (text: string, max = MAX_TEXT) => wellFormed(text.length > max ? text.slice(0, max) : text);

/** The design document's message: `from` in international digits ("221771234567", "+221…", a JID). */
export const designMessageSchema = z.looseObject({
  id: externalIdSchema,
  from: z.union([z.string(), z.number()]).transform(String),
  message: z.string(),
  fromMe: z.boolean().optional(),
  pushName: z.string().nullish(),
  timestamp: z.union([z.number(), z.string()]).nullish(),
});

function interpretDesignMessage(raw: unknown, index: number): MessageOutcome {
  const parsed = designMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? `data.${first.path.join(".")}` : "data";
    return { outcome: "invalid", index, reason: `${where}: ${first?.message ?? "not a message"}` };
  }
  const message = parsed.data;
  if (message.fromMe === true) {
    return {
      outcome: "ignored",
      waMessageId: message.id,
      reason: "fromMe: the vendor's own message is never answered",
    };
  }
  const digits = message.from.trim().replace(JID_SUFFIX, "").replace(/^\+/, "");
  const from = /^\d+$/.test(digits) ? digitsToE164(digits) : undefined;
  if (!from) {
    return {
      outcome: "invalid",
      index,
      reason: "data.from: not a valid phone number (international digits, country code first, e.g. 221771234567)",
    };
  }
  const inbound: InboundMessage = {
    waMessageId: message.id,
    from,
    text: storedText(message.message),
    kind: "text",
    event: DESIGN_MESSAGE_EVENT,
  };
  if (message.pushName) inbound.customerName = storedText(message.pushName, MAX_NAME);
  const when = fromUnixSeconds(message.timestamp);
  if (when) inbound.sentAt = when;
  return { outcome: "accepted", message: inbound };
}

/** Turns one element of a message event into a message to store, or says why not. */
export function interpretMessage(event: string, raw: unknown, index: number): MessageOutcome {
  if (event === DESIGN_MESSAGE_EVENT) return interpretDesignMessage(raw, index);
  const parsed = wasenderMessageSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first && first.path.length > 0 ? first.path.join(".") : "message";
    return { outcome: "invalid", index, reason: `${where}: ${first?.message ?? "not a message"}` };
  }
  const message = parsed.data;
  const waMessageId = message.key.id;
  if (message.key.fromMe === true) {
    return { outcome: "ignored", waMessageId, reason: "fromMe: the vendor's own message is never answered" };
  }
  if (NEWSLETTER_MESSAGE_EVENTS.includes(event) || message.key.remoteJid?.endsWith("@newsletter") === true) {
    return { outcome: "ignored", waMessageId, reason: "newsletter message: the bot only answers private chats" };
  }
  if (GROUP_MESSAGE_EVENTS.includes(event) || isGroupMessage(message)) {
    return { outcome: "ignored", waMessageId, reason: "group message: the bot only answers private chats" };
  }
  const from = senderPhone(message);
  if (!from) {
    return { outcome: "ignored", waMessageId, reason: "sender has no phone number (LID only): cannot reply" };
  }
  const inbound: InboundMessage = {
    waMessageId,
    from,
    text: storedText(messageText(message)),
    kind: contentKind(message),
    event,
  };
  if (message.pushName) inbound.customerName = storedText(message.pushName, MAX_NAME);
  const when = fromUnixSeconds(message.messageTimestamp);
  if (when) inbound.sentAt = when;
  return { outcome: "accepted", message: inbound };
}
