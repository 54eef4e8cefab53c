import { describe, expect, it } from "vitest";
import { admit, jsonEvent, pass, refuse, type WebhookDoor } from "../../src/http/admission";
import { errorResponse, MAX_BODY_BYTES, type WebhookRequest } from "../../src/http/handler";

/** A door that records which of its steps ran: the admission's order is what it asserts. */
function recordingDoor(options: { verify?: boolean; sender?: boolean } = {}) {
  const ran: string[] = [];
  const door: WebhookDoor<string, string, { n: number }> = {
    route: (path) => {
      ran.push("route");
      return path.startsWith("/v/") ? pass(path.slice(3)) : refuse(errorResponse(404, "not_found", "no"));
    },
    authenticate: (target, request) => {
      ran.push("authenticate");
      if (options.sender === false) return Promise.resolve(refuse(errorResponse(401, "invalid_signature", "no")));
      return Promise.resolve(pass(`${target}:${String(request.headers["x-sig"])}`));
    },
    read: jsonEvent((json) => {
      ran.push("read");
      const n = (json as { n?: unknown }).n;
      return typeof n === "number" ? pass({ n }) : refuse(errorResponse(400, "invalid_event", "no n"));
    }),
    ...(options.verify && {
      verify: (target: string) => {
        ran.push("verify");
        return Promise.resolve({ status: 200, body: {}, text: target });
      },
    }),
  };
  return { door, ran };
}

const request = (overrides: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: "POST",
  path: "/v/vendor1",
  headers: { "x-sig": "s" },
  rawBody: Buffer.from('{"n":1}'),
  ...overrides,
});

describe("admit: the one way in for every webhook", () => {
  it("admits a signed, well-formed POST with its target, sender and event", async () => {
    const { door, ran } = recordingDoor();
    expect(await admit(request(), door)).toEqual({
      ok: true,
      value: { target: "vendor1", sender: "vendor1:s", event: { n: 1 } },
    });
    expect(ran).toEqual(["route", "authenticate", "read"]);
  });

  it("stops at the first step that refuses, in order: method, path, size, sender, JSON, schema", async () => {
    const cases: Array<[Partial<WebhookRequest>, number, string[], { sender?: boolean }?]> = [
      [{ method: "PUT" }, 405, []],
      [{ path: "/elsewhere" }, 404, ["route"]],
      [{ rawBody: Buffer.alloc(MAX_BODY_BYTES + 1) }, 413, ["route"]],
      [{}, 401, ["route", "authenticate"], { sender: false }],
      [{ rawBody: Buffer.from("{not json") }, 400, ["route", "authenticate"]],
      [{ rawBody: Buffer.from('{"n":"one"}') }, 400, ["route", "authenticate", "read"]],
    ];
    for (const [overrides, status, steps, options] of cases) {
      const { door, ran } = recordingDoor(options);
      const result = await admit(request(overrides), door);
      expect(result.ok ? 200 : result.response.status, JSON.stringify(overrides)).toBe(status);
      expect(ran, JSON.stringify(overrides)).toEqual(steps);
    }
  });

  it("answers 405 with Allow: POST, or GET and POST where the door verifies", async () => {
    const post = await admit(request({ method: "GET" }), recordingDoor().door);
    expect(!post.ok && post.response).toMatchObject({ status: 405, headers: { Allow: "POST" } });
    const { door, ran } = recordingDoor({ verify: true });
    const get = await admit(request({ method: "GET", rawBody: undefined }), door);
    expect(!get.ok && get.response).toMatchObject({ status: 200, text: "vendor1" });
    expect(ran).toEqual(["route", "verify"]);
    const put = await admit(request({ method: "PUT" }), door);
    expect(!put.ok && put.response).toMatchObject({ status: 405, headers: { Allow: "GET, POST" } });
  });

  it("hands the sender to a door without a body step as is (a payment provider reads its own body)", async () => {
    const { door } = recordingDoor();
    const withoutRead: WebhookDoor<string, string> = {
      route: (path) => door.route(path),
      authenticate: (target, signed) => door.authenticate(target, signed),
    };
    const result = await admit(request({ rawBody: Buffer.from("data[hash]=x") }), withoutRead);
    expect(result).toEqual({ ok: true, value: { target: "vendor1", sender: "vendor1:s", event: undefined } });
  });
});
