/** The admin API, same origin, with the signed-in user's ID token. */

/** @typedef {import("../../functions/src/admin/console-types").ApiErrorBody} ApiErrorBody */

export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code what the console translates (errorText in i18n.js)
   * @param {string} message the server's words, in English: for the logs, not the screen
   * @param {Record<string, unknown>} details the rest of the error (problems, fields, the product named…)
   */
  constructor(status, code, message, details = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/**
 * @typedef {object} CallOptions
 * @property {string} [method]
 * @property {unknown} [body]
 * @property {Record<string, string>} [headers]
 * @property {AbortSignal} [signal] a poll's signal: a newer poll aborts an older one
 */

/** @typedef {<T = unknown>(path: string, options?: CallOptions) => Promise<T>} Api */

/**
 * @param {{ getIdToken(): Promise<string> }} user
 * @returns {Api}
 */
export function makeApi(user) {
  return async function api(path, { method = "GET", body, headers = {}, signal } = {}) {
    const token = await user.getIdToken();
    const response = await fetch(`/api/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { "content-type": "application/json" }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      ...(signal && { signal }),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const { code, message, ...details } = /** @type {Partial<ApiErrorBody>} */ (json).error ?? {};
      throw new ApiError(response.status, code ?? "error", message ?? `HTTP ${response.status}`, details);
    }
    return json;
  };
}

/**
 * @param {string} vendorId
 * @param {string} rest
 */
export const vendorPath = (vendorId, rest) => `/vendors/${encodeURIComponent(vendorId)}/${rest}`;
