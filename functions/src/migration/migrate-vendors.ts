import { FieldValue } from "firebase-admin/firestore";
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import { describeIssues, documentIdSchema } from "../model/common";
import { toE164 } from "../shared/phone";
import { firestore } from "../shared/firestore";
import { readIndexEntry } from "../store/routing-index";
import type { ProviderServices } from "../providers/services";
import { REGISTERED_EVENTS } from "../wasender/registered-events";

/**
 * One vendor moving off the centralized number (the design document's "Migration"), as a JSON object
 * or a CSV row. Column names may also be the `waba_instances` field names or snake_case.
 */
export const migrationRowSchema = z.object({
  vendorId: documentIdSchema,
  phone: z.string().min(1),
  sessionId: z.string().min(1),
  apiKey: z.string().min(1),
  webhookSecret: z.string().min(1),
  accessToken: z.string().min(1).optional(),
  businessName: z.string().min(1).optional(),
  apiUrl: z.url({ protocol: /^https?$/ }).optional(),
});
export type MigrationRow = z.infer<typeof migrationRowSchema>;

const ALIASES: Record<string, keyof MigrationRow> = {
  vendorid: "vendorId",
  vendor_id: "vendorId",
  phone: "phone",
  phonenumber: "phone",
  phone_number: "phone",
  sessionid: "sessionId",
  session_id: "sessionId",
  wasenderinstanceid: "sessionId",
  instanceid: "sessionId",
  apikey: "apiKey",
  api_key: "apiKey",
  wasenderapikey: "apiKey",
  webhooksecret: "webhookSecret",
  webhook_secret: "webhookSecret",
  secret: "webhookSecret",
  wasenderwebhooksecret: "webhookSecret",
  accesstoken: "accessToken",
  access_token: "accessToken",
  wasenderaccesstoken: "accessToken",
  businessname: "businessName",
  business_name: "businessName",
  apiurl: "apiUrl",
  api_url: "apiUrl",
  wasenderapiurl: "apiUrl",
};

function canonical(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === "" || value === null || value === undefined) continue;
    out[ALIASES[key.trim().toLowerCase()] ?? key] = typeof value === "string" ? value.trim() : value;
  }
  return out;
}

/** Rows from a `.json` (an array of objects) or `.csv` (a header line, then one vendor a line) file. */
export function parseVendorFile(content: string, format: "json" | "csv"): Record<string, unknown>[] {
  const records: unknown =
    format === "json" ? JSON.parse(content) : parseCsv(content, { columns: true, skip_empty_lines: true, trim: true });
  if (!Array.isArray(records)) throw new Error("a JSON vendor file must hold an array of vendors");
  return records.map((record) => canonical(record as Record<string, unknown>));
}

export interface MigrationReport {
  row: number;
  vendorId?: string;
  outcome: "created" | "updated" | "unchanged" | "invalid" | "conflict";
  wabaInstanceId?: string;
  problems?: string[];
  webhook?: string;
}

export interface MigrationOptions {
  dryRun?: boolean;
  /** Registers each vendor's webhook at Wasender after writing its documents. */
  registerWebhooks?: { publicBaseUrl: string; defaultApiUrl: string; registry: Pick<ProviderServices, "wasender"> };
}

/** Creates or updates each vendor's instance and config; safe to re-run (unchanged rows write nothing). */
export async function migrateVendors(
  rows: Record<string, unknown>[],
  options: MigrationOptions = {},
): Promise<MigrationReport[]> {
  const reports: MigrationReport[] = [];
  for (const [index, raw] of rows.entries()) {
    reports.push(await migrateOne(index + 1, raw, options));
  }
  return reports;
}

async function migrateOne(
  row: number,
  raw: Record<string, unknown>,
  options: MigrationOptions,
): Promise<MigrationReport> {
  const parsed = migrationRowSchema.safeParse(raw);
  const vendorId = typeof raw.vendorId === "string" ? raw.vendorId : undefined;
  if (!parsed.success)
    return { row, ...(vendorId && { vendorId }), outcome: "invalid", problems: describeIssues(parsed.error) };
  const input = parsed.data;
  const phone = toE164(input.phone);
  if (!phone)
    return {
      row,
      vendorId: input.vendorId,
      outcome: "invalid",
      problems: [`phone: "${input.phone}" is not a phone number`],
    };

  const db = firestore();
  const owner = await readIndexEntry("phone_index", phone);
  if (owner && owner.vendorId !== input.vendorId) {
    return {
      row,
      vendorId: input.vendorId,
      outcome: "conflict",
      problems: [`phone ${phone} already belongs to vendor "${owner.vendorId}"`],
    };
  }
  const existing = await db.collection("waba_instances").where("vendorId", "==", input.vendorId).get();
  const same = existing.docs.find(
    (doc) => doc.get("phoneNumber") === phone || doc.get("wasenderInstanceId") === input.sessionId,
  );
  const wabaInstanceId = same?.id ?? `waba_${input.vendorId}`;
  const ref = db.collection("waba_instances").doc(wabaInstanceId);
  const current = same ?? (await ref.get());
  if (current.exists && current.get("vendorId") !== input.vendorId) {
    return {
      row,
      vendorId: input.vendorId,
      outcome: "conflict",
      problems: [`waba_instances/${wabaInstanceId} belongs to vendor "${current.get("vendorId")}"`],
    };
  }

  const desired: Record<string, unknown> = {
    vendorId: input.vendorId,
    phoneNumber: phone,
    provider: "wasender",
    wasenderInstanceId: input.sessionId,
    wasenderApiKey: input.apiKey,
    wasenderWebhookSecret: input.webhookSecret,
    ...(input.accessToken && { wasenderAccessToken: input.accessToken }),
    ...(input.businessName && { businessName: input.businessName }),
    ...(input.apiUrl && { wasenderApiUrl: input.apiUrl }),
  };
  const changed = !current.exists || Object.entries(desired).some(([key, value]) => current.get(key) !== value);
  const outcome: MigrationReport["outcome"] = !current.exists ? "created" : changed ? "updated" : "unchanged";
  if (!options.dryRun && changed) {
    await ref.set(
      {
        ...desired,
        updatedAt: FieldValue.serverTimestamp(),
        ...(!current.exists && { createdAt: FieldValue.serverTimestamp(), status: "pending" }),
      },
      { merge: true },
    );
  }
  if (!options.dryRun) {
    const config = await db.collection("vendor_configs").doc(input.vendorId).get();
    if (
      !config.exists ||
      config.get("wabaInstanceId") !== wabaInstanceId ||
      config.get("wabaProvider") !== "wasender"
    ) {
      await config.ref.set(
        {
          vendorId: input.vendorId,
          wabaInstanceId,
          wabaProvider: "wasender",
          ...(input.businessName && !config.get("businessName") && { businessName: input.businessName }),
        },
        { merge: true },
      );
    }
  }
  const report: MigrationReport = { row, vendorId: input.vendorId, outcome, wabaInstanceId };
  if (options.registerWebhooks && !options.dryRun)
    report.webhook = await registerWebhook(input, wabaInstanceId, options.registerWebhooks);
  return report;
}

async function registerWebhook(
  input: MigrationRow,
  wabaInstanceId: string,
  register: NonNullable<MigrationOptions["registerWebhooks"]>,
): Promise<string> {
  if (!input.accessToken) return "skipped: no access token";
  const service = register.registry.wasender({
    vendorId: input.vendorId,
    wabaInstanceId,
    apiKey: input.apiKey,
    apiUrl: input.apiUrl ?? register.defaultApiUrl,
    instanceId: input.sessionId,
    accessToken: input.accessToken,
  });
  const url = `${register.publicBaseUrl.replace(/\/+$/, "")}/api/webhooks/wasender/${input.vendorId}`;
  const result = await service.updateSession({
    webhook_url: url,
    webhook_enabled: true,
    webhook_events: REGISTERED_EVENTS,
  });
  return result.ok ? `registered ${url}` : `failed: ${result.failure.message}`;
}
