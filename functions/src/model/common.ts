import { Timestamp } from "firebase-admin/firestore";
import { z } from "zod";

/** A point in time as an operator may type it in the console: a Firestore timestamp or an ISO string. */
export const instantSchema = z.union([z.instanceof(Timestamp), z.iso.datetime({ offset: true })]);

export const e164Schema = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as "+221771234567"');

/** Document ids used in URLs and paths: no slashes, nothing Firestore reserves. */
export const documentIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, "must be 1-128 letters, digits, '_' or '-'");

/** A UTF-16 half of a pair standing alone: such a string has no UTF-8 form, so Firestore refuses it in a path. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The string with each lone surrogate replaced by U+FFFD: text from a webhook (a JSON "\ud800" escape)
 * may hold one, and Firestore refuses a string that has no UTF-8 form.
 */
export function wellFormed(text: string): string {
  return text.replace(new RegExp(LONE_SURROGATE.source, "g"), "\uFFFD");
}

/** Whether any string of a parsed JSON value (keys included) has a lone surrogate, which Firestore refuses. */
export function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === "string") return LONE_SURROGATE.test(value);
  if (Array.isArray(value)) return value.some(holdsLoneSurrogate);
  if (value && typeof value === "object")
    return Object.entries(value).some(([key, inner]) => LONE_SURROGATE.test(key) || holdsLoneSurrogate(inner));
  return false;
}

/**
 * An id another system gives us (a WhatsApp message id) that becomes part of a document id: no slash,
 * not "." or "..", not Firestore's reserved `__…__`, well-formed Unicode, and short.
 */
export const externalIdSchema = z
  .string()
  .min(1)
  .max(256)
  .refine((id) => !id.includes("/") && id !== "." && id !== ".." && !/^__.*__$/.test(id) && !LONE_SURROGATE.test(id), {
    message: "must be a message id (no '/', no lone surrogate, not '.', '..' or __name__)",
  });

/** One line per problem, e.g. `wasenderApiKey: Required`, for logs and for operators. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(document)";
    return `${path}: ${issue.message}`;
  });
}

/** The last second Firestore can store (9999-12-31T23:59:59Z); later instants are refused on write. */
const LATEST_STORABLE_SECONDS = 253_402_300_799;

/**
 * A sender's Unix time in seconds (a number or a numeric string) as a Date, or undefined when it is
 * missing, not a positive number, or outside what Firestore can store: such a time is left out, never
 * allowed to fail the write of the message it came with.
 */
export function fromUnixSeconds(value: unknown): Date | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > LATEST_STORABLE_SECONDS) return undefined;
  return new Date(seconds * 1000);
}
