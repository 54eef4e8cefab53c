import { z } from "zod";
import { constantTimeEquals, hmacSha256Hex } from "../shared/crypto";
import { fromUnixSeconds } from "../model/common";
import type { DeliveryStatus } from "../model/delivery";
import type { ContentKind, InboundMessage } from "../model/message";
import { toE164 } from "../shared/phone";

// Meta's webhook requests, read without Firebase: the caller verifies, stores and answers.

/** A UTF-16 half of a pair standing alone: such a string has no UTF-8 form, and Firestore refuses it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** WhatsApp's own limit on a message's text; anything longer did not come from WhatsApp. */
const MAX_TEXT = 65_536;
/** A WhatsApp profile name is short; this keeps a stored message far below Firestore's 1 MiB. */
const MAX_NAME = 256;
const MAX_REASON = 500;

/** A wamid becomes part of a document id: no slash, not "." or "..", not `__name__`, well-formed. */
const wamidSchema = z
  .string()
  .min(1)
  .max(256)
  .refine((id) => !id.includes("/") && id !== "." && id !== ".." && !/^__.*__$/.test(id) && !LONE_SURROGATE.test(id), {
    message: "must be a message id (no '/', no lone surrogate, not '.', '..' or __name__)",
  });

const timestampSchema = z.union([z.string(), z.number()]);
const captionedSchema = z.looseObject({ caption: z.string().nullish() });

const errorSchema = z.looseObject({
  code: z.number().int(),
  title: z.string().nullish(),
  message: z.string().nullish(),
  error_data: z.looseObject({ details: z.string().nullish() }).nullish(),
});

const contactSchema = z.looseObject({
  wa_id: z.string().nullish(),
  profile: z.looseObject({ name: z.string().nullish() }).nullish(),
});

const messageSchema = z.looseObject({
  from: z.string().min(1),
  id: wamidSchema,
  timestamp: timestampSchema.nullish(),
  type: z.string().min(1),
  text: z.looseObject({ body: z.string() }).nullish(),
  image: captionedSchema.nullish(),
  video: captionedSchema.nullish(),
  document: captionedSchema.nullish(),
  interactive: z
    .looseObject({
      type: z.string().nullish(),
      button_reply: z.looseObject({ title: z.string() }).nullish(),
      list_reply: z.looseObject({ title: z.string() }).nullish(),
    })
    .nullish(),
  button: z.looseObject({ text: z.string().nullish() }).nullish(),
});
type MetaMessage = z.infer<typeof messageSchema>;

const statusSchema = z.looseObject({
  id: wamidSchema,
  status: z.string().min(1),
  timestamp: timestampSchema.nullish(),
  recipient_id: z.string().nullish(),
  // Read item by item below: an odd reason must not cost the status itself.
  errors: z.array(z.unknown()).nullish(),
});

/** `value` of a `messages` change: which number it is about, and what happened. */
const valueSchema = z.looseObject({
  messaging_product: z.string().nullish(),
  metadata: z.looseObject({ phone_number_id: z.string().min(1), display_phone_number: z.string().nullish() }),
  // Read item by item below: a name is optional, an odd contact must not cost the messages.
  contacts: z.array(z.unknown()).nullish(),
  messages: z.array(z.unknown()).nullish(),
  statuses: z.array(z.unknown()).nullish(),
  errors: z.array(z.unknown()).nullish(),
});

/** Just the number a change is about, read even when the rest of its value is not. */
const numberOfValueSchema = z.looseObject({ metadata: z.looseObject({ phone_number_id: z.string().min(1) }) });

const envelopeSchema = z.looseObject({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(
    z.looseObject({
      id: z.string().nullish(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })),
    }),
  ),
});

/** A customer's message, as the project stores inbound messages (`event` is the caller's). */
export type MetaInboundItem = Omit<InboundMessage, "event"> & {
  type: "message";
  phoneNumberId: string;
  /** Meta's own type (text, interactive, reaction, …), for logs. */
  metaType: string;
};

/** A status of a message the number sent; `failed` becomes "error", with Meta's reason. */
export interface MetaStatusItem {
  type: "status";
  phoneNumberId: string;
  waMessageId: string;
  status: DeliveryStatus;
  recipientId?: string;
  at?: Date;
  reason?: string;
}

/** `value.errors[]`: a problem Meta reports for the number outside any one message. */
export interface MetaErrorItem {
  type: "error";
  phoneNumberId: string;
  code: number;
  reason: string;
}

export type MetaWebhookItem = MetaInboundItem | MetaStatusItem | MetaErrorItem;

/**
 * `ok: false` when the body is not a WhatsApp webhook at all. Otherwise every item that could be read;
 * `skipped` names each part left out and why (an item of a wrong shape, an unknown status, a change
 * of another field), so one odd item never costs the rest of a batch Meta would redeliver whole.
 */
export type MetaWebhookParse =
  | {
      ok: true;
      items: MetaWebhookItem[];
      skipped: string[];
      /** Every `phone_number_id` a `messages` change names, whether or not anything in it could be read. */
      phoneNumberIds: string[];
    }
  | { ok: false; error: string };

// Maps, not object literals: a type such as "constructor" must not find Object.prototype.
const STATUS = new Map<string, DeliveryStatus>([
  ["sent", "sent"],
  ["delivered", "delivered"],
  ["read", "read"],
  ["played", "played"],
  ["failed", "error"],
]);

/** Meta's message types as the project's content kinds; interactive answers and buttons are text. */
const KIND = new Map<string, ContentKind>([
  ["text", "text"],
  ["interactive", "text"],
  ["button", "text"],
  ["image", "image"],
  ["video", "video"],
  ["audio", "audio"],
  ["voice", "audio"],
  ["document", "document"],
  ["sticker", "sticker"],
]);

/** Reads a webhook body (already JSON-parsed) into a flat list of items, each with its number's id. */
export function parseMetaWebhook(body: unknown): MetaWebhookParse {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) return { ok: false, error: firstIssue(envelope.error, []) };
  const items: MetaWebhookItem[] = [];
  const skipped: string[] = [];
  const phoneNumberIds = new Set<string>();
  envelope.data.entry.forEach((entry, e) => {
    entry.changes.forEach((change, c) => {
      const at: Path = ["entry", e, "changes", c];
      // Only `messages` carries messages and statuses; other fields (account updates…) are not ours.
      if (change.field !== "messages") {
        skipped.push(`${pathText([...at, "field"])}: "${clip(change.field, 64)}" is not handled`);
        return;
      }
      const number = numberOfValueSchema.safeParse(change.value);
      if (number.success) phoneNumberIds.add(number.data.metadata.phone_number_id);
      const value = valueSchema.safeParse(change.value);
      if (!value.success) {
        skipped.push(firstIssue(value.error, [...at, "value"]));
        return;
      }
      readValue(value.data, [...at, "value"], items, skipped);
    });
  });
  return { ok: true, items, skipped, phoneNumberIds: [...phoneNumberIds] };
}

function readValue(value: z.infer<typeof valueSchema>, at: Path, items: MetaWebhookItem[], skipped: string[]): void {
  const phoneNumberId = value.metadata.phone_number_id;
  const names = new Map<string, string>();
  for (const raw of value.contacts ?? []) {
    const contact = contactSchema.safeParse(raw);
    if (contact.success && contact.data.wa_id && contact.data.profile?.name)
      names.set(contact.data.wa_id, contact.data.profile.name);
  }
  (value.messages ?? []).forEach((raw, index) => {
    const where: Path = [...at, "messages", index];
    const parsed = messageSchema.safeParse(raw);
    if (!parsed.success) {
      skipped.push(firstIssue(parsed.error, where));
      return;
    }
    const item = inboundItem(parsed.data, phoneNumberId, names);
    if (typeof item === "string") skipped.push(`${pathText(where)}.from: ${item}`);
    else items.push(item);
  });
  (value.statuses ?? []).forEach((raw, index) => {
    const where: Path = [...at, "statuses", index];
    const parsed = statusSchema.safeParse(raw);
    if (!parsed.success) {
      skipped.push(firstIssue(parsed.error, where));
      return;
    }
    const status = STATUS.get(parsed.data.status);
    if (!status) {
      skipped.push(`${pathText([...where, "status"])}: "${clip(parsed.data.status, 64)}" is not a delivery status`);
      return;
    }
    const item: MetaStatusItem = { type: "status", phoneNumberId, waMessageId: parsed.data.id, status };
    if (parsed.data.recipient_id) item.recipientId = clip(parsed.data.recipient_id, 64);
    const when = fromUnixSeconds(parsed.data.timestamp);
    if (when) item.at = when;
    const error = errorSchema.safeParse(parsed.data.errors?.[0]);
    if (error.success) item.reason = reasonOf(error.data);
    items.push(item);
  });
  (value.errors ?? []).forEach((raw, index) => {
    const parsed = errorSchema.safeParse(raw);
    if (!parsed.success) skipped.push(firstIssue(parsed.error, [...at, "errors", index]));
    else items.push({ type: "error", phoneNumberId, code: parsed.data.code, reason: reasonOf(parsed.data) });
  });
}

/** The message as an item, or why its sender cannot be answered. */
function inboundItem(
  message: MetaMessage,
  phoneNumberId: string,
  names: Map<string, string>,
): MetaInboundItem | string {
  const digits = message.from.trim().replace(/^\+/, "");
  // Meta sends international digits without "+": a country is never guessed.
  const from = /^[1-9]\d{6,14}$/.test(digits) ? toE164(`+${digits}`) : undefined;
  if (!from) return "not a phone number in international digits";
  const item: MetaInboundItem = {
    type: "message",
    phoneNumberId,
    metaType: clip(message.type, 64),
    waMessageId: message.id,
    from,
    text: clip(textOf(message), MAX_TEXT),
    // Any type not listed (location, reaction, order, system, unsupported, new ones) is kept as
    // "other": stored, and answered as input the bot does not understand.
    kind: KIND.get(message.type) ?? "other",
  };
  const name = names.get(digits);
  if (name) item.customerName = clip(name, MAX_NAME);
  const when = fromUnixSeconds(message.timestamp);
  if (when) item.sentAt = when;
  return item;
}

function textOf(message: MetaMessage): string {
  switch (message.type) {
    case "text":
      return message.text?.body ?? "";
    case "image":
      return message.image?.caption ?? "";
    case "video":
      return message.video?.caption ?? "";
    case "document":
      return message.document?.caption ?? "";
    case "interactive":
      return message.interactive?.button_reply?.title ?? message.interactive?.list_reply?.title ?? "";
    case "button":
      return message.button?.text ?? "";
    default:
      return "";
  }
}

/** "131047 Re-engagement message: details", short enough to store. */
function reasonOf(error: z.infer<typeof errorSchema>): string {
  const title = error.title ?? error.message;
  const details = error.error_data?.details;
  const text = [`${error.code}${title ? ` ${title}` : ""}`, details && details !== title ? details : undefined]
    .filter(Boolean)
    .join(": ");
  return clip(text, MAX_REASON);
}

/** Cut to `max` characters and made well-formed (Firestore refuses a lone surrogate). */
function clip(text: string, max: number): string {
  const cut = text.length > max ? text.slice(0, max) : text;
  return cut.replace(new RegExp(LONE_SURROGATE.source, "g"), "\uFFFD");
}

type Path = ReadonlyArray<PropertyKey>;

/** `entry[0].changes[1].value.messages[2].from`: where a problem is, as a person reads it. */
function pathText(path: Path): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text.length > 0 ? `.${String(segment)}` : String(segment);
  }
  return text.length > 0 ? text : "(body)";
}

function firstIssue(error: z.ZodError, prefix: Path): string {
  const issue = error.issues[0];
  if (!issue) return `${pathText(prefix)}: invalid`;
  return `${pathText([...prefix, ...issue.path])}: ${issue.message}`;
}

/**
 * `X-Hub-Signature-256: sha256=<hex>` against the HMAC-SHA256 of the raw bytes keyed with the app
 * secret, compared in constant time. False for a missing or malformed header, and for an empty secret
 * (anyone can compute an HMAC keyed with nothing).
 */
export function verifyMetaSignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  if (typeof header !== "string" || appSecret.length === 0) return false;
  const match = /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match) return false;
  return constantTimeEquals(match[1]!.toLowerCase(), hmacSha256Hex(appSecret, rawBody));
}

/** Meta's challenge is a number; anything else is not echoed back into a response body. */
const CHALLENGE = /^[A-Za-z0-9._-]{1,256}$/;
const hubQuerySchema = z.looseObject({
  "hub.mode": z.literal("subscribe"),
  "hub.verify_token": z.string().min(1),
  "hub.challenge": z.string().regex(CHALLENGE),
});
/** The same query when a parser nests dotted keys (`{ hub: { mode } }`). */
const nestedHubQuerySchema = z.looseObject({
  hub: z.looseObject({ mode: z.unknown(), verify_token: z.unknown(), challenge: z.unknown() }),
});

/**
 * Meta's GET verification: the challenge to answer with (200, plain text) when `hub.mode` is
 * "subscribe" and `hub.verify_token` is ours; undefined otherwise (answer 403).
 */
export function verifyChallenge(query: unknown, verifyToken: string): string | undefined {
  if (verifyToken.length === 0) return undefined;
  const nested = nestedHubQuerySchema.safeParse(query);
  const flat = nested.success
    ? {
        "hub.mode": nested.data.hub.mode,
        "hub.verify_token": nested.data.hub.verify_token,
        "hub.challenge": nested.data.hub.challenge,
      }
    : query;
  const parsed = hubQuerySchema.safeParse(flat);
  if (!parsed.success) return undefined;
  return constantTimeEquals(parsed.data["hub.verify_token"], verifyToken) ? parsed.data["hub.challenge"] : undefined;
}
