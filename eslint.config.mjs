// The configuration and its packages live in functions/ (see there); this lets ESLint find it from
// any file of the repository.
export { default } from "./functions/eslint.config.mjs";
