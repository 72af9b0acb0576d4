/**
 * Loads logger.conf: `[general]` through its schema, and `[logfiles]`, one channel per line:
 *
 *   console => notice,warning,error
 *   messages.log => notice,warning,error,verbose(3)
 *   security.log => security
 *   full.json => [json]*
 *   syslog.local0 => notice,warning,error
 *
 * A value may start with a formatter in brackets (`[default]`, `[plain]`, `[json]`); the rest is
 * a level list (core/log/levels.ts). Without a logger.conf, Asterisk's defaults apply
 * ({@link DEFAULT_LOG_SETTINGS}). A bad line is reported and skipped; the others still apply.
 */
import { DEFAULT_LOG_SETTINGS, type LogChannelSpec, type LogFormatter } from "../../core/log/log-router.js";
import { parseLevelList } from "../../core/log/levels.js";
import { isSyslogFacility, syslogFacilityOf } from "../../core/log/syslog.js";
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ConfigCategory, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { loggerSchema, type LoggerValues } from "./logger-schema.js";

export interface LoggerConfig extends LoggerValues {
  /** False without a logger.conf (Asterisk's default channels apply). */
  readonly present: boolean;
  readonly file: string;
  readonly line: number;
  readonly channels: readonly LogChannelSpec[];
}

export interface LoggerConfigResult {
  readonly config: LoggerConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

const FORMATTERS: readonly LogFormatter[] = ["default", "plain", "json"];

export function defaultLoggerConfig(): LoggerConfig {
  return { ...defaultValues(loggerSchema), present: false, file: "logger.conf", line: 0, channels: DEFAULT_LOG_SETTINGS.channels };
}

function readChannels(category: ConfigCategory, sink: DiagnosticSink): LogChannelSpec[] {
  const out: LogChannelSpec[] = [];
  for (const v of category.variables) {
    const name = v.name.trim();
    let text = v.value.trim();
    let formatter: LogFormatter = "default";
    const m = /^\[([^\]]*)\]\s*/.exec(text);
    if (m !== null) {
      const wanted = (m[1] ?? "").trim().toLowerCase();
      const known = FORMATTERS.find((f) => f === wanted);
      if (known === undefined) sink.warning(v.file, v.line, `[logfiles] ${name}: unknown formatter '[${m[1]}]'; using [default] (Switchboard has ${FORMATTERS.map((f) => `[${f}]`).join(", ")})`);
      else formatter = known;
      text = text.slice(m[0].length);
    }
    const { levels, unknown } = parseLevelList(text);
    if (unknown.length > 0) sink.warning(v.file, v.line, `[logfiles] ${name}: unknown level${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `'${u}'`).join(", ")} ignored; use debug, trace, notice, warning, error, verbose, verbose(<n>), dtmf, fax, security or *`);
    const facility = syslogFacilityOf(name);
    if (facility !== undefined) {
      if (!isSyslogFacility(facility)) {
        sink.warning(v.file, v.line, `[logfiles] ${name}: '${facility}' is not a syslog facility (use user, daemon, local0 … local7 …); channel skipped`);
        continue;
      }
    }
    if (levels.mask === 0) sink.warning(v.file, v.line, `[logfiles] ${name} => ${v.value}: no levels, so nothing is written there`);
    if (name.toLowerCase() === "console" && levels.verbose !== undefined) {
      sink.warning(v.file, v.line, `[logfiles] console => ${v.value}: the (${levels.verbose}) of verbose is not used on the console, as in Asterisk; each console shows verbose lines up to its own verbosity (-v, core set verbose)`);
    }
    out.push({ name, formatter, levels });
  }
  return out;
}

/** Builds the logger settings from a parsed logger.conf (or from nothing: Asterisk's defaults). */
export function buildLoggerConfig(parsed: ParsedConfig | undefined): LoggerConfigResult {
  const sink = new DiagnosticSink();
  if (parsed === undefined) return { config: defaultLoggerConfig(), diagnostics: sink.items, files: [] };
  sink.addAll(parsed.diagnostics);
  let general = { ...defaultValues(loggerSchema), file: parsed.fileName, line: 0 };
  const channels: LogChannelSpec[] = [];
  for (const category of visibleCategories(parsed)) {
    if (category.name === "general") {
      const r = applyObject(loggerSchema, category, sink, { mode: "settings" });
      general = { ...r.values, file: category.file, line: category.line };
      const legacy = category.variables.findLast((v) => v.name.trim().toLowerCase() === "rotatetimestamp");
      if (legacy !== undefined && !category.variables.some((v) => v.name.trim().toLowerCase() === "rotatestrategy")) {
        general.rotatestrategy = r.values.rotatetimestamp ? "timestamp" : "sequential";
        sink.warning(legacy.file, legacy.line, `rotatetimestamp is deprecated; write rotatestrategy = ${general.rotatestrategy} instead`);
      }
    } else if (category.name === "logfiles") {
      channels.push(...readChannels(category, sink));
    } else {
      sink.warning(category.file, category.line, `[${category.name}] is not a section of logger.conf; only [general] and [logfiles] are read`);
    }
  }
  if (channels.length === 0) {
    sink.warning(parsed.fileName, 0, "logger.conf has no channels in [logfiles]: nothing is logged, not even errors (Asterisk then prints bare messages on its stdout; Switchboard does not). Add at least `console => notice,warning,error`");
  }
  return { config: { ...general, present: true, channels }, diagnostics: sink.items, files: parsed.files };
}
