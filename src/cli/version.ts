/**
 * The package version, read from package.json at run time so `--version` and
 * `core show version` never disagree with what was installed.
 */
import { readFileSync, statSync } from "node:fs";
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

/**
 * When this code was built, as `core show version` prints it (`2026-12-01 21:42:55 UTC`): the
 * modification time of this module, which is the build output under dist/ and the checked-out
 * source when run with tsx.
 */
export function buildDate(): string {
  try {
    return statSync(fileURLToPath(import.meta.url)).mtime.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  } catch {
    return "unknown date";
  }
}
