/**
 * Loads guard.conf. A missing file is fine: the guard then runs with its defaults (it is on by
 * default). Options are read one by one like rtp.conf: a bad value keeps that option's default
 * and the rest of the file still applies, so a typo never switches protection off.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { dirAccess } from "../ini/file-access.js";
import { parseConfigText } from "../ini/parser.js";
import { visibleCategories, type ConfigReadOptions, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { guardSchema, type GuardValues } from "./guard-schema.js";

export interface GuardConfig extends GuardValues {
  /** Where [general] was found; line 0 when defaults are used. */
  readonly file: string;
  readonly line: number;
}

export interface GuardConfigResult {
  readonly config: GuardConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

/** The guard settings when there is no guard.conf. */
export function defaultGuardConfig(): GuardConfig {
  return { ...defaultValues(guardSchema), file: "guard.conf", line: 0 };
}

/** Builds the guard settings from a parsed guard.conf (or from nothing: all defaults). */
export function buildGuardConfig(parsed: ParsedConfig | undefined): GuardConfigResult {
  const sink = new DiagnosticSink();
  if (parsed === undefined) return { config: defaultGuardConfig(), diagnostics: sink.items, files: [] };
  sink.addAll(parsed.diagnostics);
  let config: GuardConfig = { ...defaultValues(guardSchema), file: parsed.fileName, line: 0 };
  for (const category of visibleCategories(parsed)) {
    if (category.name === "general") {
      const r = applyObject(guardSchema, category, sink, { mode: "settings" });
      config = { ...r.values, file: category.file, line: category.line };
    } else {
      sink.warning(category.file, category.line, `[${category.name}] is not a section of guard.conf; only [general] is read`);
    }
  }
  if (config.bantime > config.bantimeMax) {
    sink.warning(config.file, config.line, `[general] bantime=${config.bantime} is larger than bantime_max=${config.bantimeMax}; using bantime_max=${config.bantime}`);
    config.bantimeMax = config.bantime;
  }
  return { config, diagnostics: sink.items, files: parsed.files };
}

/** Reads `guard.conf` from `dir`; a missing file means defaults. */
export function loadGuardConfig(dir: string, opts: ConfigReadOptions = {}): GuardConfigResult {
  const disk = dirAccess(dir);
  const readFile = opts.readFile ?? disk.readFile;
  const text = readFile("guard.conf");
  if (text === undefined) return buildGuardConfig(undefined);
  return buildGuardConfig(parseConfigText(text, "guard.conf", { readFile, listFiles: opts.listFiles ?? disk.listFiles }));
}
