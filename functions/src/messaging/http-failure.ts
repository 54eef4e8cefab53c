import { redact } from "./transport";
import type { SendFailure, SendFailureCode } from "./types";

/** HTTP statuses one provider's own documents give another meaning than the common table's. */
export type StatusOverrides = Readonly<Partial<Record<number, SendFailureCode>>>;

/** How one provider's failures are told: its name, and where its documents or wording differ. */
export interface ProviderErrors {
  /** Named in failure texts: "Wasender", "Meta", "Unipile". */
  name: string;
  statusOverrides?: StatusOverrides;
  /** The text before the provider's detail, where the common one says too little. */
  wording?: Readonly<Partial<Record<SendFailureCode, string>>>;
}

/**
 * The retry cause of an HTTP answer whose body names no error the provider documents (a proxy's page, a
 * new code), the same for every provider:
 *   2xx without the expected body ... bad_response     429 ............. rate_limited
 *   401, 403 ........................ unauthorized     502, 504 ........ connection_lost: a gateway
 *   404 ............................. not_found          answered, the request went past it and may
 *   other 5xx ....................... server_error       have been carried out
 *   anything else ................... rejected
 * A provider overrides a status only where its documents say so: Unipile documents 504 as its own
 * `request_timeout` ("may have been sent": `timeout`, retried as a possible duplicate all the same)
 * and 501 as `feature_not_implemented` (never retried). Wasender and Meta document no 5xx of their own.
 */
export function codeForStatus(status: number, overrides: StatusOverrides = {}): SendFailureCode {
  const own = overrides[status];
  if (own) return own;
  if (status >= 200 && status < 300) return "bad_response";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status === 502 || status === 504) return "connection_lost";
  if (status >= 500) return "server_error";
  return "rejected";
}

function commonWording(name: string, code: SendFailureCode, httpStatus: number): string {
  switch (code) {
    case "rate_limited":
      return `${name} rate limit`;
    case "server_error":
      return `${name} failed`;
    case "rejected":
      return `${name} rejected the message`;
    case "unauthorized":
      return `${name} refused the token`;
    case "not_found":
      return `${name} does not know it`;
    case "bad_response":
      return `${name} answered ${httpStatus} without a message id`;
    case "connection_lost":
      return `${name}'s gateway answered ${httpStatus}, the message may have gone out`;
    case "timeout":
      return `${name} timed out, the message may have gone out`;
    case "unreachable":
      return `could not reach ${name}`;
    case "outside_window":
      return "outside the customer window";
    case "number_unusable":
      return `the ${name} number is unusable`;
    case "not_configured":
      return "not configured";
  }
}

/**
 * The failure for a provider's non-success answer: the cause its body names (`known`), else its HTTP
 * status's; the text "<what happened>: <the provider's detail>", with every one of the service's
 * secrets redacted (failure texts are stored and shown to the vendor's staff).
 */
export function answerFailure(
  errors: ProviderErrors,
  answer: { httpStatus: number; known?: SendFailureCode | undefined; detail: string },
  secrets: ReadonlyArray<string | undefined>,
): SendFailure {
  const { httpStatus } = answer;
  const code = answer.known ?? codeForStatus(httpStatus, errors.statusOverrides);
  const head = errors.wording?.[code] ?? commonWording(errors.name, code, httpStatus);
  return { code, message: redact(`${head}: ${answer.detail}`, secrets), httpStatus };
}
