// ESLint for the functions (TypeScript, type-checked) and for the repository's scripts and benchmarks
// (plain ES modules). The packages live in functions/, so this file does; the repository root's
// eslint.config.mjs re-exports it for scripts/ and bench/. ESLint uses the nearest configuration of each
// file, so the patterns below hold from either directory. `npm run lint` (in functions/) lints it all.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  {
    ignores: [
      "**/node_modules/**",
      "lib/**",
      "functions/lib/**",
      "dist/**",
      "functions/dist/**",
      "emulator-data/**",
      ".cache/**",
      "coverage/**",
      // Served as is to browsers; not part of this configuration's Node world.
      "hosting/**",
      "bench/baseline-function/**",
      // The console has its own configuration and packages (console/eslint.config.mjs), run by its own
      // `npm run lint`.
      "console/**",
    ],
  },
  {
    files: ["**/*.ts"],
    ignores: ["**/*.d.mts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    rules: {
      // Lazy loading is how index.ts keeps a function instance from loading the others' module graphs
      // (cold start), and tests load built modules the same way: `require` is deliberate there.
      "@typescript-eslint/no-require-imports": "off",
      // `_name` marks a parameter an interface requires but this implementation does not use.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Tests read untyped JSON (HTTP answers, Firestore documents, fake providers' logs) and assert on it:
    // the no-unsafe family would only ask for casts there; the tests themselves check the shapes.
    files: ["test/**/*.ts", "functions/test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Fakes implement the code's async interfaces (shop, scheduler) with synchronous bodies.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node, ecmaVersion: "latest", sourceType: "module" },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The scripts' type declarations (read by the tests): TypeScript outside the functions' project.
    files: ["**/*.d.mts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
  },
);
