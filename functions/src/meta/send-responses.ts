import { z } from "zod";
import { GATEWAY_STATUSES, type SendFailure, type SendFailureCode } from "../messaging/types";

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

/**
 * The failure for a non-success answer: by Meta's code when it is a known one, else by HTTP status.
 * `redact` removes the token should Meta ever echo it back.
 */
export function failureFromAnswer(httpStatus: number, json: unknown, redact: (text: string) => string): SendFailure {
  const parsed = errorBodySchema.safeParse(json);
  const body = parsed.success ? parsed.data : undefined;
  const described = redact(describeMetaError(body, httpStatus));
  const known = body?.error.code !== undefined ? META_ERROR_CODES[body.error.code] : undefined;
  const code = known ?? codeFromHttpStatus(httpStatus);
  const prefix: Record<SendFailureCode, string> = {
    rate_limited: "Meta rate limit",
    server_error: "Meta failed",
    outside_window: "outside the 24 h customer window (only templates may be sent)",
    rejected: "Meta rejected the message",
    number_unusable: "the Cloud API number is unusable",
    unauthorized: "Meta refused the token",
    not_found: "Meta does not know it",
    bad_response: `Meta answered ${httpStatus} without a message id`,
    unreachable: "could not reach Meta",
    connection_lost: "connection to Meta failed",
    timeout: "Meta did not answer",
    not_configured: "not configured",
  };
  return { code, message: `${prefix[code]}: ${described}`, httpStatus };
}

/** Only for answers without a known Meta code (a proxy's page, a new code). */
function codeFromHttpStatus(status: number): SendFailureCode {
  if (status >= 200 && status < 300) return "bad_response";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (GATEWAY_STATUSES.has(status)) return "connection_lost";
  if (status >= 500) return "server_error";
  return "rejected";
}
