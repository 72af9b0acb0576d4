/**
 * The in-memory shape of a parsed Asterisk `.conf` file: ordered categories holding ordered
 * variables, each remembering the file and line it came from so that later stages can point
 * users at the exact spot.
 */
import type { Diagnostic } from "../diagnostic.js";

/** One `name = value` (or `name => value`) line. */
export interface ConfigVariable {
  readonly name: string;
  value: string;
  readonly file: string;
  readonly line: number;
  /** True for `=>` ("object" lines, used by the dialplan and voicemail). */
  readonly object: boolean;
  /** Set when the variable was copied from a base category by `[x](base)`. */
  readonly inheritedFrom?: string;
}

/** One `[name]` section. Same-named categories may repeat and are kept separately, in order. */
export interface ConfigCategory {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  /** `[name](!)`: hidden from consumers, only used as a base for others. */
  readonly template: boolean;
  /** Base categories named in `[name](a,b)`, in order. */
  readonly inherits: string[];
  /** Inherited variables first (in base order), then the category's own lines. */
  readonly variables: ConfigVariable[];
}

export interface ParsedConfig {
  /** The top-level file name this parse started from. */
  readonly fileName: string;
  /** Every file read, top-level first, then includes in the order they were read. */
  readonly files: string[];
  /** All categories including templates; use {@link visibleCategories} for consumers. */
  readonly categories: ConfigCategory[];
  readonly diagnostics: Diagnostic[];
  /** False when Asterisk would have refused the whole file (missing #include, include loop …). */
  ok: boolean;
}

/** How the parser reaches files; lets the same grammar read a directory or an in-memory map. */
export interface ConfigReadOptions {
  /** Returns the file's text, or undefined when it does not exist. */
  readonly readFile?: (path: string) => string | undefined;
  /** Lists file names (not paths) in a directory, for `#include` globs. */
  readonly listFiles?: (dir: string) => string[];
}

/** Categories a consumer should see: everything except templates. */
export function visibleCategories(parsed: ParsedConfig): ConfigCategory[] {
  return parsed.categories.filter((c) => !c.template);
}

/** The last value of `name` in a category (later lines override earlier ones), or undefined. */
export function lastValue(category: ConfigCategory, name: string): ConfigVariable | undefined {
  for (let i = category.variables.length - 1; i >= 0; i--) {
    const v = category.variables[i];
    if (v !== undefined && v.name === name) return v;
  }
  return undefined;
}
