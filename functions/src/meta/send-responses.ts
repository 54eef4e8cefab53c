import { z } from "zod";
import { answerFailure, type ProviderErrors } from "../messaging/http-failure";
import type { SendFailure, SendFailureCode } from "../messaging/types";

/** `POST /{phone-number-id}/messages` success: the wamid statuses will name, maybe a message_status. */
export const sendSuccessSchema = z.looseObject({
  messaging_product: z.string().optional(),
  contacts: z.array(z.looseObject({ input: z.string().optional(), wa_id: z.string().optional() })).optional(),
  messages: z.array(z.looseObject({ id: z.string().min(1), message_status: z.string().optional() })).min(1),
});

/** Graph's error body: `{ error: { message, type, code, error_data: { messaging_product, details }, fbtrace_id } }`. */
export const errorBodySchema = z.looseObject({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    // A number in Meta's answers; a digit string is accepted too so a proxy's re-encoding still maps.
    code: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
    error_subcode: z.number().int().optional(),
    error_user_title: z.string().optional(),
    error_data: z.looseObject({ messaging_product: z.string().optional(), details: z.string().optional() }).optional(),
    fbtrace_id: z.string().optional(),
  }),
});
export type MetaErrorBody = z.infer<typeof errorBodySchema>;

/**
 * Meta's documented error codes and what the retry policy makes of them. Decided on the code alone:
 * HTTP statuses for the same code differ between reports, and message texts change.
 */
export const META_ERROR_CODES: Readonly<Record<number, SendFailureCode>> = {
  130429: "rate_limited", // throughput of the number
  131056: "rate_limited", // pair rate limit: this recipient, later
  80007: "rate_limited", // account rate limit
  4: "rate_limited", // app rate limit
  131000: "server_error", // unknown error: a few tries
  131016: "server_error", // service temporarily unavailable
  2: "server_error", // service temporarily unavailable
  131047: "outside_window", // 24 h window closed: only templates
  131026: "rejected", // undeliverable to this recipient
  131051: "rejected", // unsupported message type
  100: "rejected", // invalid parameter
  190: "number_unusable", // access token expired or revoked
  368: "number_unusable", // number blocked
  131031: "number_unusable", // account locked
  133010: "number_unusable", // number not registered
};

/** Text longer than this from Meta is cut: a failure reason is stored and shown, not archived. */
const MAX_DETAIL = 300;

/** "Meta error 131047 (Re-engagement message): Message failed to send because …". */
export function describeMetaError(body: MetaErrorBody | undefined, httpStatus: number): string {
  const error = body?.error;
  if (!error) return `HTTP ${httpStatus}`;
  // Graph's message repeats the code ("(#131047) Re-engagement message"): the title is what follows.
  const title = error.error_user_title ?? error.message?.replace(/^\(#\d+\)\s*/, "");
  const details = error.error_data?.details;
  const head = `Meta error ${error.code ?? "?"}${title ? ` (${title})` : ""}`;
  const text = details && details !== title ? `${head}: ${details}` : head;
  return text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text;
}

/** Meta's failures: decided by its error code (above); its HTTP statuses mean what they mean anywhere. */
export const META_ERRORS: ProviderErrors = {
  name: "Meta",
  wording: {
    outside_window: "outside the 24 h customer window (only templates may be sent)",
    number_unusable: "the Cloud API number is unusable",
  },
};

/** The failure for a non-success answer: by Meta's code when it is a known one, else by HTTP status. */
export function failureFromAnswer(httpStatus: number, json: unknown, secrets: readonly string[]): SendFailure {
  const parsed = errorBodySchema.safeParse(json);
  const body = parsed.success ? parsed.data : undefined;
  const known = body?.error.code !== undefined ? META_ERROR_CODES[body.error.code] : undefined;
  return answerFailure(META_ERRORS, { httpStatus, known, detail: describeMetaError(body, httpStatus) }, secrets);
}
