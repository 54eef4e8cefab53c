// ESLint for the console: the rules of hooks and the accessibility rules of the JSX ecosystem (Preact
// follows React's hook rules). Its own packages, in console/: `npm run lint` here, and `npm test` runs it.
import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import jsxA11y from "eslint-plugin-jsx-a11y";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

export default defineConfig(
  { ignores: ["node_modules/**", "dist/**"] },
  {
    files: ["src/**/*.{js,jsx}"],
    extends: [js.configs.recommended, reactHooks.configs.flat.recommended, jsxA11y.flatConfigs.recommended],
    plugins: { react },
    languageOptions: {
      globals: globals.browser,
      ecmaVersion: "latest",
      sourceType: "module",
      parserOptions: { ecmaFeatures: { jsx: true } },
    },
    settings: {
      // Preact's attribute names: `class` and `for` as in HTML.
      "jsx-a11y": { attributes: { for: ["for", "htmlFor"] } },
    },
    rules: {
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // A stale closure in a poll or an effect is a bug here, not a style point; `usePolled(load, deps)`
      // takes its dependencies as useEffect does.
      "react-hooks/exhaustive-deps": "error",
      // Preact says nothing at run time of a list item without a key: the linter does.
      "react/jsx-key": ["error", { checkFragmentShorthand: true }],
      // Components used only in JSX count as used.
      "react/jsx-uses-vars": "error",
    },
  },
  {
    files: ["*.{js,mjs}", "test/**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node, ecmaVersion: "latest", sourceType: "module" },
    rules: { "no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }] },
  },
);
