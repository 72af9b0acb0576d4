/**
 * Loads asterisk.conf (optional): `[directories]` and `[options]` through their schemas. The
 * result says where Asterisk's prompts are (`<astdatadir>/sounds`), where voicemail is spooled
 * and the default language. In Asterisk `[directories]` may also be written `[directories](!)`;
 * a template section is read the same way here.
 */
import { isAbsolute, join } from "node:path";
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { asteriskDirectoriesSchema, asteriskOptionsSchema, type AsteriskDirectories, type AsteriskOptions } from "./asterisk-schema.js";

export interface AsteriskConfig {
  readonly directories: AsteriskDirectories;
  readonly options: AsteriskOptions;
  /** Directories holding `<language>/` prompt folders, best first: `<astdatadir>/sounds`. */
  readonly soundRoots: readonly string[];
  /** `<astspooldir>` when set; else the data directory is used. */
  readonly spoolDir: string | undefined;
}

export interface AsteriskConfigResult {
  readonly config: AsteriskConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

export function defaultAsteriskConfig(): AsteriskConfig {
  return { directories: defaultValues(asteriskDirectoriesSchema), options: defaultValues(asteriskOptionsSchema), soundRoots: [], spoolDir: undefined };
}

export function buildAsteriskConfig(parsed: ParsedConfig | undefined): AsteriskConfigResult {
  const sink = new DiagnosticSink();
  if (parsed === undefined) return { config: defaultAsteriskConfig(), diagnostics: [], files: [] };
  sink.addAll(parsed.diagnostics);
  let directories = defaultValues(asteriskDirectoriesSchema);
  let options = defaultValues(asteriskOptionsSchema);
  for (const category of visibleCategories(parsed)) {
    if (category.name === "directories") {
      directories = applyObject(asteriskDirectoriesSchema, category, sink, { mode: "settings" }).values;
    } else if (category.name === "options") {
      options = applyObject(asteriskOptionsSchema, category, sink, { mode: "settings" }).values;
    } else {
      // [files] (the control socket's owner and mode) and [compat] are Asterisk's too, but do nothing here.
      sink.warning(category.file, category.line, `[${category.name}] of asterisk.conf is not read by Switchboard (it reads [directories] and [options]); section ignored`);
    }
  }
  for (const [name, value] of [["astdatadir", directories.astdatadir], ["astspooldir", directories.astspooldir]] as const) {
    if (value.length > 0 && !isAbsolute(value)) sink.warning(parsed.fileName, 0, `[directories] ${name} => ${value} is not an absolute path; it is taken relative to the working directory`);
  }
  const soundRoots = directories.astdatadir.length > 0 ? [join(directories.astdatadir, "sounds")] : [];
  const spoolDir = directories.astspooldir.length > 0 ? directories.astspooldir : undefined;
  return { config: { directories, options, soundRoots, spoolDir }, diagnostics: sink.items, files: parsed.files };
}
