import { getAuth } from "firebase/auth";
import { ApiError } from "./api.js";

/** Today's Dakar date, "YYYY-MM-DD" (Dakar is on UTC all year). */
export const dakarToday = () => new Date().toISOString().slice(0, 10);

/**
 * Downloads the vendor's orders of [from, to] (Dakar dates) as CSV with the signed-in user's ID token:
 * the file is fetched, then saved through a temporary link (a plain link could not carry the token).
 */
/**
 * @param {string} vendorId
 * @param {string} from
 * @param {string} to
 */
export async function downloadOrdersCsv(vendorId, from, to) {
  const user = getAuth().currentUser;
  if (!user) throw new Error("signed out");
  const token = await user.getIdToken();
  const query = new URLSearchParams({ from, to });
  const response = await fetch(`/api/admin/vendors/${encodeURIComponent(vendorId)}/orders.csv?${query}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (!response.ok) {
    const json = /** @type {{ error?: { code?: string; message?: string } }} */ (
      await response.json().catch(() => ({}))
    );
    const { code, message, ...details } = json.error ?? {};
    throw new ApiError(response.status, code ?? "error", message ?? `HTTP ${response.status}`, details);
  }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = `orders-${vendorId}-${from}-${to}.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
