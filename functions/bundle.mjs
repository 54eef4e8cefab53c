// The deployed artifact: one bundle per entry module (src/entry/*, each exporting one or a few functions)
// and an index that loads the bundle of the function the runtime names. `npm run build` writes it to
// dist/ (package.json's `main`: what `firebase deploy` ships and the emulator runs); the deploy manifest
// test and the cold-start benchmark load the same thing. Why: a fresh instance reads one file instead of
// resolving and compiling some 200 small modules of the project, zod, libphonenumber-js and the Redis
// client one by one (docs/benchmarks.md, "Cold start").
import { readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/**
 * Left to Node's own loader: the runtime's SDK and the Admin SDK (every function loads them; the bare
 * function of the benchmarks loads the same copies), whose files find their protos and package.json at
 * run time.
 */
const EXTERNAL = ["firebase-functions", "firebase-functions/*", "firebase-admin", "firebase-admin/*"];

/**
 * Loaded on first use instead of at start: the HTTP client (only a send or a provider call uses it) and
 * the Redis clients (only when Upstash is configured). Their imports get getters that require the
 * package when a property is first read.
 */
const ON_FIRST_USE = ["undici", "@upstash/redis", "@upstash/ratelimit"];

/** The entry modules index.ts loads (`require("./entry/<name>")`), in its order. */
export function entryModules() {
  const index = readFileSync(join(HERE, "src", "index.ts"), "utf8");
  return [...new Set([...index.matchAll(/require\("\.\/entry\/([\w-]+)"\)/g)].map((match) => match[1]))];
}

/** zod's error messages in English only: its other 40-odd locales are never configured here. */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(builder) {
    const zodDir = `${sep}node_modules${sep}zod${sep}`;
    builder.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(zodDir)
        ? { path: join(dirname(args.importer), args.path), namespace: "zod-en" }
        : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: "zod-en" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), "en.js"))};`,
      resolveDir: dirname(args.path),
      loader: "js",
    }));
  },
};

/**
 * `import { z } from "zod"` read as `import * as z from "zod"` (what zod's own documentation writes):
 * the same object, but a namespace used only as `z.<name>` lets the bundler keep just the schema kinds
 * the module uses, where the named `z` brings all of zod's classic API (about 280 KB a bundle).
 */
const zodNamespace = {
  name: "zod-namespace",
  setup(builder) {
    builder.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, "utf8").replaceAll('import { z } from "zod";', 'import * as z from "zod";'),
      loader: "ts",
    }));
  },
};

/** Each ON_FIRST_USE package as an object of getters over its exports, which requires it when read. */
const onFirstUse = {
  name: "on-first-use",
  setup(builder) {
    const filter = new RegExp(`^(${ON_FIRST_USE.map((name) => name.replace(/[/.]/g, "\\$&")).join("|")})$`);
    builder.onResolve({ filter }, (args) =>
      // The getters' own `require` is left to Node.
      args.namespace === "on-first-use"
        ? { path: args.path, external: true }
        : { path: args.path, namespace: "on-first-use" },
    );
    builder.onLoad({ filter: /.*/, namespace: "on-first-use" }, (args) => {
      const names = Object.keys(require(args.path)).filter((name) => name !== "default" && name !== "__esModule");
      const getters = names.map(
        (name) => `${JSON.stringify(name)}: { enumerable: true, get: () => load()[${JSON.stringify(name)}] }`,
      );
      return {
        contents: `let loaded; const load = () => (loaded ??= require(${JSON.stringify(args.path)}));
Object.defineProperties(module.exports, { ${getters.join(", ")} });`,
        loader: "js",
      };
    });
  },
};

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external: EXTERNAL,
  // Whitespace and syntax only: names stay, so stack traces and logs still name functions and classes.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: "none",
  logLevel: "warning",
};

/** Writes dist/index.js and dist/entry/<name>.js (into `outDir`, emptied first). */
export async function bundleFunctions(outDir = join(HERE, "dist")) {
  rmSync(outDir, { recursive: true, force: true });
  await build({
    ...common,
    entryPoints: entryModules().map((name) => join(HERE, "src", "entry", `${name}.ts`)),
    outdir: join(outDir, "entry"),
    plugins: [zodNamespace, zodEnglishOnly, onFirstUse],
  });
  // The index keeps its lazy `require("./entry/<name>")`: each names a bundle written above.
  await build({
    ...common,
    entryPoints: [join(HERE, "src", "index.ts")],
    outfile: join(outDir, "index.js"),
    plugins: [
      {
        name: "entry-bundles",
        setup(builder) {
          builder.onResolve({ filter: /^\.\/entry\// }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await bundleFunctions(process.argv[2]);
