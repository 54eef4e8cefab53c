/** The admin API, same origin, with the signed-in user's ID token. */
export class ApiError extends Error {
  constructor(status, code, message, problems) {
    super(message);
    this.status = status;
    this.code = code;
    this.problems = problems ?? [];
  }
}

export function makeApi(user) {
  return async function api(path, { method = "GET", body, headers = {} } = {}) {
    const token = await user.getIdToken();
    const response = await fetch(`/api/admin${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { "content-type": "application/json" }),
        ...headers,
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = json.error ?? {};
      throw new ApiError(
        response.status,
        error.code ?? "error",
        error.message ?? `HTTP ${response.status}`,
        error.problems,
      );
    }
    return json;
  };
}

export const vendorPath = (vendorId, rest) => `/vendors/${encodeURIComponent(vendorId)}/${rest}`;
