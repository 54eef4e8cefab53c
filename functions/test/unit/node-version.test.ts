import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** One Node version story: the deployed runtime, the types the code is checked against, `engines`, the README. */
const ROOT = resolve(__dirname, "../../..");
const json = (path: string) => JSON.parse(readFileSync(resolve(ROOT, path), "utf8")) as Record<string, unknown>;

describe("Node versions", () => {
  it("the runtime firebase.json deploys is the major @types/node describes; engines let Node 20 run it locally", () => {
    const firebase = json("firebase.json") as { functions: Array<{ runtime: string }> };
    const runtimes = new Set(firebase.functions.map(({ runtime }) => runtime));
    expect(runtimes.size).toBe(1);
    const runtime = [...runtimes][0]!;
    const major = /^nodejs(\d+)$/.exec(runtime)?.[1];
    expect(major).toBeDefined();

    const functions = json("functions/package.json") as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(/^[\^~]?(\d+)\./.exec(functions.devDependencies["@types/node"] ?? "")?.[1]).toBe(major);
    const root = json("package.json") as { engines: { node: string } };
    for (const engines of [root.engines.node, functions.engines.node]) {
      expect(engines).toBe(">=20");
      expect(Number(major)).toBeGreaterThanOrEqual(20);
    }
    expect(readFileSync(resolve(ROOT, "README.md"), "utf8")).toContain(`\`${runtime}\``);
  });
});
