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

/** One line per problem, e.g. `wasenderApiKey: Required`, for logs and for operators. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join(".") : "(document)";
    return `${path}: ${issue.message}`;
  });
}
