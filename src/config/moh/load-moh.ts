/**
 * Loads musiconhold.conf (optional). Every section but `[general]` is a music class. A class
 * without a directory is named in a warning and left out, as Asterisk leaves out a class it
 * cannot build; a channel asking for it hears the default class instead (pbx/moh/moh-service.ts).
 * A mode other than `files` is named as not implemented, and the class plays its directory's
 * files as a files class does.
 *
 * `[default]` always exists: without the file, without the section, or written without a
 * directory it is Switchboard's built-in class, generated music that needs no sound files.
 * Written with a directory (Debian's asterisk-moh-opsound-wav installs /usr/share/asterisk/moh),
 * its files are played.
 */
import { isAbsolute, join } from "node:path";
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { mohClassSchema, mohGeneralSchema, type MohGeneral, type MohMode, type MohSort } from "./moh-schema.js";

/** Where relative directories are looked up without asterisk.conf astdatadir (Asterisk's default). */
export const DEFAULT_ASTDATADIR = "/var/lib/asterisk";

export interface MohClassConfig {
  readonly name: string;
  readonly mode: MohMode;
  /** Absolute directory of the files; empty for the built-in generated music. */
  readonly directory: string;
  /** The directory as written (console output shows it as Asterisk does). */
  readonly directoryText: string;
  readonly sort: MohSort;
  /** True when the class plays Switchboard's generated music (a `[default]` without files). */
  readonly generated: boolean;
  readonly file: string;
  readonly line: number;
}

export interface MohConfig {
  readonly general: MohGeneral;
  /** Classes by name, in file order; `default` is always present. */
  readonly classes: ReadonlyMap<string, MohClassConfig>;
}

export interface MohConfigResult {
  readonly config: MohConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

/** The built-in default class: generated music. */
export function builtinDefaultClass(): MohClassConfig {
  return { name: "default", mode: "files", directory: "", directoryText: "", sort: "alpha", generated: true, file: "(built in)", line: 0 };
}

export function defaultMohConfig(): MohConfig {
  return { general: defaultValues(mohGeneralSchema), classes: new Map([["default", builtinDefaultClass()]]) };
}

/** `dir` as an absolute path: relative ones are under astdatadir (asterisk.conf), as in Asterisk. */
export function resolveMohDirectory(dir: string, astdatadir: string): string {
  if (dir.length === 0 || isAbsolute(dir)) return dir;
  return join(astdatadir.length > 0 ? astdatadir : DEFAULT_ASTDATADIR, dir);
}

export function buildMohConfig(parsed: ParsedConfig | undefined, astdatadir = ""): MohConfigResult {
  const sink = new DiagnosticSink();
  let general = defaultValues(mohGeneralSchema);
  const classes = new Map<string, MohClassConfig>();
  const seen = new Set<string>();
  if (parsed !== undefined) {
    sink.addAll(parsed.diagnostics);
    for (const category of visibleCategories(parsed)) {
      if (category.name === "general") {
        general = applyObject(mohGeneralSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
        continue;
      }
      const name = category.name;
      if (name === "classes" || name === "moh_files") {
        sink.warning(category.file, category.line, `musiconhold.conf [${name}] is Asterisk's old syntax and is not read; write one [class] section per class with mode= and directory=`);
        continue;
      }
      const v = applyObject(mohClassSchema, { ...category, name }, sink, { mode: "settings", notImplementedSeen: seen }).values;
      const where = `musiconhold.conf [${name}]`;
      // Another mode was named as not implemented by applyObject: the class plays its
      // directory's files as a files class would, or is left out without a directory.
      if (v.directory.length === 0) {
        if (name === "default") {
          classes.set(name, { ...builtinDefaultClass(), sort: v.sort, file: category.file, line: category.line });
          continue;
        }
        sink.warning(category.file, category.line, `${where}: a class needs directory= (the directory of its sound files)${v.mode !== "files" ? ` Switchboard can play in place of mode=${v.mode}` : ""}; class ${name} is left out`);
        continue;
      }
      if (classes.has(name)) sink.warning(category.file, category.line, `${where}: class defined twice; the later section is used`);
      classes.set(name, { name, mode: "files", directory: resolveMohDirectory(v.directory, astdatadir), directoryText: v.directory, sort: v.sort, generated: false, file: category.file, line: category.line });
    }
  }
  if (!classes.has("default")) classes.set("default", builtinDefaultClass());
  return { config: { general, classes }, diagnostics: sink.items, files: parsed?.files ?? [] };
}
