import { z } from "zod";
import { externalIdSchema, wellFormed } from "../model/common";
import type { ContentKind, InboundMessage } from "../model/message";
import { digitsToE164 } from "../shared/phone";

// Unipile's webhook requests, read without Firebase: the caller authenticates, stores and answers.

/** The `event` stored on an inbound message that came through Unipile's webhook. */
export const UNIPILE_MESSAGE_EVENT = "unipile.message_received";
const MAX_TEXT = 65_536;
const MAX_NAME = 256;

const accountIdSchema = z.string().min(1).max(200);

/** `source: "account_status"`: `{ AccountStatus: { account_id, account_type, message } }`. */
export const accountStatusEventSchema = z.looseObject({
  AccountStatus: z.looseObject({
    account_id: accountIdSchema,
    account_type: z.string().nullish(),
    // Stored as the session's status: a lone surrogate would make Firestore refuse the write.
    message: z.string().min(1).max(100).transform(wellFormed),
  }),
});

const attendeeSchema = z.looseObject({
  attendee_id: z.string().nullish(),
  attendee_name: z.string().nullish(),
  attendee_provider_id: z.string().nullish(),
});

/** `source: "messaging"`: a new message, a reaction or a read receipt of one account. */
export const messagingEventSchema = z.looseObject({
  account_id: accountIdSchema,
  account_type: z.string().nullish(),
  event: z.string().min(1).max(100),
  chat_id: z.string().nullish(),
  timestamp: z.string().nullish(),
  message_id: externalIdSchema.nullish(),
  provider_message_id: externalIdSchema.nullish(),
  provider_chat_id: z.string().nullish(),
  message: z.string().nullish(),
  sender: attendeeSchema.nullish(),
  is_group: z.union([z.boolean(), z.number()]).nullish(),
  is_sender: z.union([z.boolean(), z.number()]).nullish(),
  attachments: z.array(z.looseObject({ type: z.string().nullish() })).nullish(),
});
export type MessagingEvent = z.infer<typeof messagingEventSchema>;

export type UnipileEvent =
  | { kind: "account_status"; accountId: string; status: string }
  | { kind: "messaging"; accountId: string; event: MessagingEvent };

/** The body as one of Unipile's two webhook sources, or why it is neither. */
export function parseUnipileEvent(json: unknown): { ok: true; event: UnipileEvent } | { ok: false; error: string } {
  if (json !== null && typeof json === "object" && "AccountStatus" in json) {
    const parsed = accountStatusEventSchema.safeParse(json);
    if (!parsed.success) return { ok: false, error: "AccountStatus needs account_id and message" };
    return {
      ok: true,
      event: {
        kind: "account_status",
        accountId: parsed.data.AccountStatus.account_id,
        status: parsed.data.AccountStatus.message,
      },
    };
  }
  const parsed = messagingEventSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      error: `${first && first.path.length > 0 ? first.path.join(".") : "body"}: ${first?.message ?? "not an event"}`,
    };
  }
  return { ok: true, event: { kind: "messaging", accountId: parsed.data.account_id, event: parsed.data } };
}

/**
 * What an account status makes of the number (as Wasender's session.status): only OK-like states
 * send; CONNECTING waits as pending; ERROR, STOPPED, CREDENTIALS, DELETED and any unknown state keep
 * replies waiting (or on the failover) until the account is OK again.
 */
export function instanceStatusForAccount(message: string): "connected" | "disconnected" | "pending" {
  const state = message.trim().toUpperCase();
  if (["OK", "CREATION_SUCCESS", "RECONNECTED", "SYNC_SUCCESS"].includes(state)) return "connected";
  if (state === "CONNECTING") return "pending";
  return "disconnected";
}

const JID = /^(\d{6,20})(?::\d+)?@s\.whatsapp\.net$/;

/** The phone of a WhatsApp JID ("221771234567@s.whatsapp.net"), E.164; a LID or a group is none. */
export function phoneOfJid(jid: string | null | undefined): string | undefined {
  const match = jid ? JID.exec(jid.trim()) : null;
  return match ? digitsToE164(match[1]!) : undefined;
}

function kindOf(event: MessagingEvent): ContentKind {
  const type = event.attachments?.[0]?.type?.toLowerCase();
  if (!type) return "text";
  if (type.startsWith("img") || type === "image") return "image";
  if (["video", "audio", "document", "sticker"].includes(type)) return type as ContentKind;
  if (type === "file") return "document";
  return "other";
}

export type UnipileMessageOutcome =
  | { outcome: "accepted"; message: InboundMessage }
  | { outcome: "ignored"; reason: string }
  | { outcome: "invalid"; reason: string };

const truthy = (value: boolean | number | null | undefined) => value === true || value === 1;

/**
 * A messaging event of a Unipile number (`ownPhone`, E.164) as a customer message to store, or why
 * not: reactions and read receipts are no messages; the number's own messages (sent from the phone),
 * groups and senders without a phone number are never answered.
 */
export function interpretUnipileMessage(event: MessagingEvent, ownPhone: string): UnipileMessageOutcome {
  if (event.event !== "message_received")
    return { outcome: "ignored", reason: `event "${event.event}" is not a customer message` };
  const waMessageId = event.provider_message_id ?? event.message_id;
  if (!waMessageId) return { outcome: "invalid", reason: "message_id: required for a message_received event" };
  const from = phoneOfJid(event.sender?.attendee_provider_id);
  if (truthy(event.is_sender) || (from !== undefined && from === ownPhone)) {
    return { outcome: "ignored", reason: "the number's own message is never answered" };
  }
  if (truthy(event.is_group) || event.provider_chat_id?.endsWith("@g.us") === true) {
    return { outcome: "ignored", reason: "group message: the bot only answers private chats" };
  }
  if (!from)
    return {
      outcome: "ignored",
      reason: "sender has no phone number (sender.attendee_provider_id is not a phone JID): cannot reply",
    };
  const text = event.message ?? "";
  const inbound: InboundMessage = {
    waMessageId,
    from,
    text: wellFormed(text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text),
    kind: kindOf(event),
    event: UNIPILE_MESSAGE_EVENT,
  };
  const name = event.sender?.attendee_name;
  if (name) inbound.customerName = wellFormed(name.slice(0, MAX_NAME));
  const sentAt = event.timestamp ? new Date(event.timestamp) : undefined;
  if (sentAt && Number.isFinite(sentAt.getTime()) && sentAt.getTime() > 0 && sentAt.getUTCFullYear() < 9000)
    inbound.sentAt = sentAt;
  return { outcome: "accepted", message: inbound };
}
