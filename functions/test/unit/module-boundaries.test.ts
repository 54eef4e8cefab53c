import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/** The import graph of functions/src, read from the sources: which module depends on which. */
const SRC = resolve(__dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

interface Import {
  target: string;
  typeOnly: boolean;
}

/** Relative imports resolved to files; packages kept by name. `import type` is erased at run time. */
function importsOf(file: string): Import[] {
  const source = readFileSync(file, "utf8");
  return [...source.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)].map((match) => {
    const spec = match[2]!;
    const typeOnly = Boolean(match[1]);
    if (!spec.startsWith(".")) return { target: spec, typeOnly };
    const base = resolve(dirname(file), spec);
    const target = [`${base}.ts`, join(base, "index.ts")].find((candidate) => existsSync(candidate)) ?? `${base}.ts`;
    return { target, typeOnly };
  });
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((file) => [file, importsOf(file)]));
const rel = (file: string) => relative(SRC, file);

/** Every module a file loads at run time, directly or not. */
function runtimeClosure(file: string): Set<string> {
  const seen = new Set<string>();
  const stack = [file];
  while (stack.length > 0) {
    for (const { target, typeOnly } of graph.get(stack.pop()!) ?? []) {
      if (typeOnly || seen.has(target)) continue;
      seen.add(target);
      if (graph.has(target)) stack.push(target);
    }
  }
  return seen;
}

describe("module boundaries", () => {
  it("the engine loads no Firebase code and no storage, even indirectly", () => {
    for (const file of files.filter((f) => rel(f).startsWith("engine/"))) {
      const loaded = [...runtimeClosure(file)].map((target) => (target.startsWith("/") ? rel(target) : target));
      expect(
        loaded.filter((name) => /firebase|^store\/|^shared\/firestore|^webhooks\/|^replies\//.test(name)),
        rel(file),
      ).toEqual([]);
    }
  });

  it("the model depends on no engine, store or webhook code (Firestore's Timestamp type aside)", () => {
    for (const file of files.filter((f) => rel(f).startsWith("model/"))) {
      const direct = (graph.get(file) ?? []).map(({ target }) => (target.startsWith("/") ? rel(target) : target));
      expect(
        direct.filter((name) => /^firebase-functions|^engine\/|^store\/|^webhooks\/|^replies\//.test(name)),
        rel(file),
      ).toEqual([]);
    }
  });

  it("the admin API and the migration import nothing from the webhooks", () => {
    for (const file of files.filter((f) => /^(admin|migration)\//.test(rel(f)))) {
      const direct = (graph.get(file) ?? []).map(({ target }) => (target.startsWith("/") ? rel(target) : target));
      expect(
        direct.filter((name) => name.startsWith("webhooks/")),
        rel(file),
      ).toEqual([]);
    }
  });

  it("delivery depends one way: store, outbound and messaging import nothing from replies, webhooks, admin or orders", () => {
    for (const file of files.filter((f) => /^(store|outbound|messaging|wasender)\//.test(rel(f)))) {
      const direct = (graph.get(file) ?? []).map(({ target }) => (target.startsWith("/") ? rel(target) : target));
      expect(
        direct.filter((name) => /^(replies|webhooks|admin|orders)\//.test(name)),
        rel(file),
      ).toEqual([]);
    }
    for (const file of files.filter((f) => /^(store|wasender)\//.test(rel(f)))) {
      const direct = (graph.get(file) ?? []).map(({ target }) => (target.startsWith("/") ? rel(target) : target));
      expect(
        direct.filter((name) => name.startsWith("outbound/")),
        rel(file),
      ).toEqual([]);
    }
  });

  it("a webhook's function loads no chat engine, admin API, send path or provider (its cold start)", () => {
    const loaded = [...runtimeClosure(join(SRC, "entry", "webhooks.ts"))].map((target) =>
      target.startsWith("/") ? rel(target) : target,
    );
    const unused =
      /^(engine|admin|replies|orders|messaging|meta|migration|onboarding)\/|^outbound\/(deliver|dispatch|sweep|claim|complete|outbox)|^wasender\/vendor-wasender|^entry\/(?!webhooks)|^firebase-functions$|^undici$|^@upstash\/ratelimit$/;
    expect(loaded.filter((name) => unused.test(name))).toEqual([]);
  });

  it("the Unipile webhook's function loads no chat engine, admin API, send path or provider either", () => {
    const loaded = [...runtimeClosure(join(SRC, "entry", "unipile-webhook.ts"))].map((target) =>
      target.startsWith("/") ? rel(target) : target,
    );
    const unused =
      /^(engine|admin|replies|orders|messaging|meta|wasender|providers|migration|onboarding)\/|^outbound\/|^unipile\/unipile-|^entry\/(?!unipile-webhook|global)|^undici$/;
    expect(loaded.filter((name) => unused.test(name))).toEqual([]);
  });

  it("messaging is the providers' interface: it imports no concrete provider; providers are wired from above", () => {
    for (const file of files.filter((f) => rel(f).startsWith("messaging/"))) {
      const direct = (graph.get(file) ?? []).map(({ target }) => (target.startsWith("/") ? rel(target) : target));
      expect(
        direct.filter((name) => /^(meta|wasender|unipile|providers|outbound)\//.test(name)),
        rel(file),
      ).toEqual([]);
    }
    for (const file of files.filter((f) => /^(meta|wasender|unipile)\//.test(rel(f)))) {
      const direct = (graph.get(file) ?? []).map(({ target }) => (target.startsWith("/") ? rel(target) : target));
      // A provider is its request shapes and error table: no other provider, no registry, no delivery.
      const others = new RegExp(
        `^(?!${rel(file).split("/")[0]}/)(meta|wasender|unipile)/|^(providers|outbound|replies)/`,
      );
      expect(
        direct.filter((name) => others.test(name)),
        rel(file),
      ).toEqual([]);
      // One transport: only messaging/transport.ts and the pools touch undici's request API.
      if (!rel(file).endsWith("-service.ts")) continue;
      expect(readFileSync(file, "utf8"), rel(file)).not.toMatch(/dispatcher\.request|JSON\.parse|undiciErrors/);
    }
  });

  it("has no import cycle anywhere in functions/src", () => {
    const scope = files;
    const cycles: string[] = [];
    for (const start of scope) {
      // Depth-first from each module: a path that comes back to its start is a cycle.
      const stack: Array<{ file: string; path: string[] }> = [{ file: start, path: [start] }];
      const visited = new Set<string>();
      while (stack.length > 0) {
        const { file, path } = stack.pop()!;
        for (const { target } of graph.get(file) ?? []) {
          if (target === start) cycles.push([...path, target].map(rel).join(" -> "));
          else if (graph.has(target) && !visited.has(target)) {
            visited.add(target);
            stack.push({ file: target, path: [...path, target] });
          }
        }
      }
    }
    expect(cycles).toEqual([]);
  });
});
