// The tests' own doubles (functions/test/support, TypeScript), for the benchmarks that run against
// them rather than a copy: transpiled once into .cache/, their imports of the sources pointed at the
// compiled functions/lib.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { FUNCTIONS_DIR, ROOT } from "../../scripts/lib/paths.mjs";

const require = createRequire(join(FUNCTIONS_DIR, "package.json"));

/** `testSupport("memory-shop")`: the module functions/test/support/memory-shop.ts, compiled. */
export function testSupport(name) {
  const ts = require("typescript");
  const source = readFileSync(join(FUNCTIONS_DIR, "test", "support", `${name}.ts`), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const lib = join(FUNCTIONS_DIR, "lib");
  const compiled = outputText.replace(
    /require\("\.\.\/\.\.\/src\/([^"]+)"\)/g,
    (_, path) => `require(${JSON.stringify(join(lib, `${path}.js`))})`,
  );
  const dir = join(ROOT, ".cache", "bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, compiled);
  return require(file);
}
