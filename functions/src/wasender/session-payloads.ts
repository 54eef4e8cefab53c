import { z } from "zod";
import { wellFormed } from "../model/common";

export const CONNECTION_EVENTS = ["session.status", "qrcode.updated"];

/** Wasender's session states; upper-case forms (NEED_SCAN) also occur. */
export const sessionStatusSchema = z.enum([
  "connecting",
  "connected",
  "disconnected",
  "need_scan",
  "logged_out",
  "expired",
  "error",
]);
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

export const sessionStatusDataSchema = z.looseObject({
  status: z
    .string()
    .transform((value) => value.trim().toLowerCase())
    .pipe(sessionStatusSchema),
  session_id: z.union([z.string(), z.number()]).optional(),
});

/** The raw QR string, kept on the instance: at most 4 KiB (a real one is a few hundred characters). */
export const qrCodeDataSchema = z.looseObject({ qr: z.string().min(1).max(4096).transform(wellFormed) });

/** What the instance's `status` becomes: only a connected session can send. */
export function instanceStatusFor(status: SessionStatus): "connected" | "disconnected" | "pending" {
  if (status === "connected") return "connected";
  if (status === "connecting") return "pending";
  return "disconnected";
}
