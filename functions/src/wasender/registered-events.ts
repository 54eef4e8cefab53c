/**
 * The events registered at Wasender: one per need, since overlapping message events (received,
 * upsert, personal) deliver the same message several times. Every handled event is still accepted.
 * message-receipt.update concerns groups only, where the bot never speaks.
 */
export const REGISTERED_EVENTS = [
  "messages.received",
  "messages.update",
  "message.sent",
  "session.status",
  "qrcode.updated",
];
