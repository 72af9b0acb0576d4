// ESLint flat config (STYLE.md §8): typescript-eslint's recommended type-checked rules, plus the
// few that catch real bugs in an async, socket-driven server. Rules that would only churn are
// turned off below, each with the reason. Run through `npm run lint` (typecheck + eslint + layers).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // The plain JS files (bin/switchboard.js, scripts/*.mjs, this file) are small launchers and
  // test-runner glue outside the TypeScript program; the type-aware rules cannot see them.
  { ignores: ["dist/**", "node_modules/**", "configs/**", "docs/**", "**/*.js", "**/*.mjs", "**/*.cjs"] },
  {
    files: ["src/**/*.ts", "test/**/*.ts", "bench/**/*.ts", "scripts/*.ts"],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          // node:test registers the test when called; the returned promise is the runner's
          // business, and awaiting top-level test()/describe() would serialise nothing useful.
          allowForKnownSafeCalls: [
            { from: "package", package: "node:test", name: ["test", "it", "describe", "suite"] },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      // Promise.all over a mix of values and promises is what Promise.all is for.
      "@typescript-eslint/await-thenable": ["error", { allowMixedPromiseArrays: true }],
      "@typescript-eslint/no-unnecessary-type-assertion": "error",
      "@typescript-eslint/switch-exhaustiveness-check": [
        "error",
        { considerDefaultExhaustiveForUnions: true },
      ],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
      ],
      "no-console": "error",
      // `let x; … x = …` read first in a closure (timers cancelled by a callback set up earlier).
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
      // An async method without await is how we implement a Promise-returning interface that
      // happens to finish synchronously; it also turns a throw into a rejection. Churn only.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // The CLI entry points whose output is the user's terminal; everything else in src/ logs
    // through core/logger.ts (a server has no terminal of its own).
    files: ["src/main.ts", "src/cli/program.ts", "src/cli/interactive-console.ts"],
    rules: { "no-console": "off" },
  },
  {
    // Tests, benchmarks and scripts are programs whose output is the terminal.
    files: ["test/**/*.ts", "bench/**/*.ts", "scripts/*.ts"],
    rules: { "no-console": "off" },
  },
);
