/**
 * The package version, read from package.json at run time so `--version` and
 * `core show version` never disagree with what was installed.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packageVersion(): string {
  if (cached === undefined) {
    // Both src/cli/version.ts and dist/cli/version.js sit two levels below the package root.
    const file = fileURLToPath(new URL("../../package.json", import.meta.url));
    try {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { version?: unknown };
      cached = typeof pkg.version === "string" ? pkg.version : "0.0.0";
    } catch {
      cached = "0.0.0";
    }
  }
  return cached;
}
