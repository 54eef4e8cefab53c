import { describe, expect, it } from "vitest";
import { answerFailure, codeForStatus } from "../../src/messaging/http-failure";
import { META_ERRORS } from "../../src/meta/send-responses";
import { UNIPILE_ERRORS } from "../../src/unipile/send-errors";
import { WASENDER_ERRORS } from "../../src/wasender/vendor-wasender-service";

describe("one HTTP status table for every provider", () => {
  it("gives each status its retry cause", () => {
    const table = Object.fromEntries(
      [200, 400, 401, 403, 404, 422, 429, 500, 501, 502, 503, 504].map((s) => [s, codeForStatus(s)]),
    );
    expect(table).toEqual({
      200: "bad_response",
      400: "rejected",
      401: "unauthorized",
      403: "unauthorized",
      404: "not_found",
      422: "rejected",
      429: "rate_limited",
      500: "server_error",
      501: "server_error",
      502: "connection_lost",
      503: "server_error",
      504: "connection_lost",
    });
  });

  it("differs only where a provider's documents say so: Unipile's 501 and 504", () => {
    for (let status = 200; status < 600; status += 1) {
      const common = codeForStatus(status);
      expect(codeForStatus(status, WASENDER_ERRORS.statusOverrides), `wasender ${status}`).toBe(common);
      expect(codeForStatus(status, META_ERRORS.statusOverrides), `meta ${status}`).toBe(common);
      const unipile = codeForStatus(status, UNIPILE_ERRORS.statusOverrides);
      if (status === 501) expect(unipile).toBe("rejected");
      else if (status === 504) expect(unipile).toBe("timeout");
      else expect(unipile, `unipile ${status}`).toBe(common);
    }
  });

  it("redacts every secret of the service from the whole text", () => {
    const failure = answerFailure(
      { name: "Meta", wording: { rejected: "refused for tok-1" } },
      { httpStatus: 400, detail: "tok-1 and key-2 are wrong" },
      ["tok-1", "key-2", undefined, ""],
    );
    expect(failure).toEqual({
      code: "rejected",
      httpStatus: 400,
      message: "refused for [redacted]: [redacted] and [redacted] are wrong",
    });
  });
});
