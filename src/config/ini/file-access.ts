/**
 * File access for the parser: a configuration directory on disk, or an in-memory map of files
 * (the embedded default configuration). Paths are relative to the configuration root, so that
 * diagnostics read `pjsip.conf:12` and `#include` works the same way in both.
 */
import { readdirSync } from "node:fs";
import { isAbsolute, join, posix } from "node:path";
import { readFileOrUndefined } from "./parser.js";
import type { ConfigReadOptions } from "./types.js";

export interface ConfigFileAccess extends ConfigReadOptions {
  readonly readFile: (path: string) => string | undefined;
  readonly listFiles: (dir: string) => string[];
}

/** Files under `dir`; relative paths resolve against it, absolute ones are used as written. */
export function dirAccess(dir: string): ConfigFileAccess {
  const resolve = (p: string): string => (isAbsolute(p) ? p : join(dir, p));
  return {
    readFile: (p) => readFileOrUndefined(resolve(p)),
    listFiles: (d) => {
      try {
        return readdirSync(resolve(d));
      } catch {
        return [];
      }
    },
  };
}

/** Files held in memory, keyed by relative path (`pjsip.conf`, `pjsip.d/phones.conf`). */
export function mapAccess(files: Readonly<Record<string, string>>): ConfigFileAccess {
  const normalized = new Map<string, string>();
  for (const [name, text] of Object.entries(files)) normalized.set(posix.normalize(name), text);
  return {
    readFile: (p) => normalized.get(posix.normalize(p)),
    listFiles: (d) => {
      const dir = posix.normalize(d);
      return [...normalized.keys()].filter((k) => posix.dirname(k) === dir).map((k) => posix.basename(k));
    },
  };
}
