import { debug, error, info, warn } from "firebase-functions/logger";
import { maskPhonesForLog } from "./phone-mask";

type Write = (...args: unknown[]) => void;

/** Every argument with buyers' phone numbers masked (shared/phone-mask.ts), so no call site can forget. */
function masking(write: Write): Write {
  return (...args) => write(...args.map((arg) => maskPhonesForLog(arg)));
}

/**
 * firebase-functions' structured logger, from its own entry point: the package's main entry also loads
 * every kind of trigger (some 170 modules more), which every function instance would load at cold
 * start for nothing. A plain object, so a test can spy on one of its methods.
 */
export const logger = { debug: masking(debug), info: masking(info), warn: masking(warn), error: masking(error) };
