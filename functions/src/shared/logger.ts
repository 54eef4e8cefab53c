import { debug, error, info, warn } from "firebase-functions/logger";

/**
 * firebase-functions' structured logger, from its own entry point: the package's main entry also loads
 * every kind of trigger (some 170 modules more), which every function instance would load at cold
 * start for nothing. A plain object, so a test can spy on one of its methods.
 */
export const logger = { debug, info, warn, error };
