import { Timestamp } from "firebase-admin/firestore";
import { checkInstance, failoverOf } from "../model/waba-instance";
import { countUnsent, recentFailures } from "../store/message-stats";
import { readVendorInstanceDocs } from "../store/waba-instances";
import { readRuntimeDocs } from "../store/waba-runtime";
import type { NumberHealth, VendorHealth } from "./console-types";

/**
 * Problems as a vendor's staff may read them: never who owns a disputed key. The onboarding check no
 * longer writes the owner into `configProblems`; documents checked before it did are redacted here.
 */
export function problemsForStaff<T>(problems: T): T {
  if (!Array.isArray(problems)) return problems;
  return (problems as unknown[]).map((problem) =>
    typeof problem === "string"
      ? problem.replace(
          /already belongs to vendor "[^"]*" \(waba_instances\/[^)]*\)/g,
          "is already in use by another number",
        )
      : problem,
  ) as T;
}

const DAY_MS = 24 * 60 * 60_000;
/** Failed messages listed per number (the count covers them all). */
const FAILURES_LISTED = 20;

/** A stored time as an ISO string, or null. */
function isoOrNull(value: unknown): string | null {
  return value instanceof Timestamp ? value.toDate().toISOString() : typeof value === "string" ? value : null;
}

const textOrNull = (value: unknown): string | null => (typeof value === "string" ? value : null);

/** Timestamps as ISO strings, for a JSON answer. */
function plain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate().toISOString();
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)]));
  return value;
}

/**
 * GET /api/admin/vendors/{vendorId}/health: per number, what an operator needs to see whether its
 * customers are being answered: its provider and session, the failover circuit (state, since when,
 * why), messages not yet sent, messages failed in the last 24 h with their reasons, and each
 * provider's last error. Read fresh from Firestore: the instances, their runtime documents (circuit,
 * session, errors) in one call, then two count queries and one list per number.
 */
export async function vendorHealth(
  vendorId: string,
  viewer: { admin: boolean } = { admin: false },
  now = Date.now(),
): Promise<VendorHealth> {
  const docs = await readVendorInstanceDocs(vendorId);
  const runtimes = await readRuntimeDocs(docs.map(({ id }) => id));
  const since = new Date(now - DAY_MS);
  const numbers = await Promise.all(
    docs.map(async ({ id, data }): Promise<NumberHealth> => {
      const runtime = runtimes.get(id) ?? {};
      const check = checkInstance(id, data);
      const instance = check.usable ? check.instance : undefined;
      const [waiting, failed] = await Promise.all([countUnsent(id), recentFailures(id, since, FAILURES_LISTED)]);
      const failover = (instance && failoverOf(instance)) ?? null;
      return {
        wabaInstanceId: id,
        phoneNumber: data.phoneNumber ?? null,
        provider: data.provider ?? null,
        usable: check.usable,
        ...(!check.usable && { problems: viewer.admin ? check.problems : problemsForStaff(check.problems) }),
        session: {
          status: textOrNull(data.status),
          sessionStatus: textOrNull(runtime.sessionStatus),
          lastSync: isoOrNull(data.lastSync),
          sessionStatusAt: isoOrNull(runtime.sessionStatusAt),
        },
        failoverProvider: failover,
        circuit: failover
          ? ((plain(runtime.circuit) as NumberHealth["circuit"] | undefined) ?? {
              state: "closed",
              since: null,
              reason: "no Wasender failure yet",
              failures: 0,
            })
          : null,
        deliveryProblem: plain(runtime.deliveryProblem) ?? null,
        waiting,
        failedLast24h: { count: failed.count, latest: failed.latest },
        lastErrors: plain(runtime.providerErrors) ?? {},
      };
    }),
  );
  return { vendorId, at: new Date(now).toISOString(), numbers };
}
