import { z } from "zod";

/** `POST /chats` success (201): `{ object: "ChatStarted", chat_id, message_id }`, either id may be null. */
export const chatStartedSchema = z.looseObject({
  object: z.string().optional(),
  chat_id: z.string().nullish(),
  message_id: z.string().nullish(),
});

/** Unipile's v1 error body: `{ title, detail, instance, type, status }`. */
export const errorBodySchema = z.looseObject({
  title: z.string().optional(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  type: z.string().optional(),
  status: z.number().int().optional(),
});
export type UnipileErrorBody = z.infer<typeof errorBodySchema>;
