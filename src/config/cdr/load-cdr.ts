/**
 * Loads the call detail record files, all optional: cdr.conf (`[general]`, `[csv]`),
 * cdr_manager.conf (`[general]`; `[mappings]` is named as not read) and
 * cdr_sqlite3_custom.conf (`[master]`). Without cdr.conf `enable` is yes (Asterisk's default)
 * but no backend is on; the CSV backend needs a `[csv]` section, as cdr_csv does.
 *
 * The SQLite backend's `columns` and `values` must pair up: a different count is an error and
 * the backend stays off, so a row is never written into the wrong columns.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { cdrCsvSchema, cdrGeneralSchema, cdrManagerSchema, cdrSqliteSchema, type CdrCsv, type CdrGeneral } from "./cdr-schema.js";

export interface CdrSqliteConfig {
  readonly table: string;
  readonly columns: readonly string[];
  /** Dialplan text per column, quotes removed (`${CDR(clid)}`). */
  readonly values: readonly string[];
  readonly busyTimeoutMs: number;
}

export interface CdrConfig {
  readonly general: CdrGeneral;
  /** The CSV backend's settings; undefined when cdr.conf has no [csv] section (no Master.csv). */
  readonly csv: CdrCsv | undefined;
  /** cdr_manager.conf enabled=yes: each record is an AMI Cdr event. */
  readonly managerEnabled: boolean;
  /** The SQLite backend; undefined without a usable cdr_sqlite3_custom.conf [master]. */
  readonly sqlite: CdrSqliteConfig | undefined;
}

export interface CdrConfigResult {
  readonly config: CdrConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

export interface CdrFiles {
  readonly cdr: ParsedConfig | undefined;
  readonly manager: ParsedConfig | undefined;
  readonly sqlite: ParsedConfig | undefined;
}

export function defaultCdrConfig(): CdrConfig {
  return { general: defaultValues(cdrGeneralSchema), csv: undefined, managerEnabled: false, sqlite: undefined };
}

/** Splits on commas outside quotes and parentheses; each item trimmed, one level of quotes removed. */
export function splitQuotedList(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote = "";
  let depth = 0;
  for (const ch of text) {
    if (quote !== "") {
      if (ch === quote) quote = "";
      cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
    } else if (ch === "(" || ch === "{") {
      depth++;
      cur += ch;
    } else if ((ch === ")" || ch === "}") && depth > 0) {
      depth--;
      cur += ch;
    } else if (ch === "," && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  if (cur.trim() !== "" || out.length > 0) out.push(cur);
  return out.map(unquote);
}

function unquote(item: string): string {
  const t = item.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function buildCdrConfig(files: CdrFiles): CdrConfigResult {
  const sink = new DiagnosticSink();
  let general = defaultValues(cdrGeneralSchema);
  let csv: CdrCsv | undefined;
  const seen = new Set<string>();
  if (files.cdr !== undefined) {
    sink.addAll(files.cdr.diagnostics);
    for (const category of visibleCategories(files.cdr)) {
      if (category.name === "general") general = applyObject(cdrGeneralSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
      else if (category.name === "csv") csv = applyObject(cdrCsvSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
      else sink.warning(category.file, category.line, `cdr.conf [${category.name}] is not read by Switchboard (only [general] and [csv] are); section ignored`);
    }
  }
  let managerEnabled = false;
  if (files.manager !== undefined) {
    sink.addAll(files.manager.diagnostics);
    for (const category of visibleCategories(files.manager)) {
      if (category.name === "general") managerEnabled = applyObject(cdrManagerSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values.enabled;
      else sink.warning(category.file, category.line, `cdr_manager.conf [${category.name}] is not implemented: the Cdr event carries its standard fields only; section ignored`);
    }
  }
  let sqlite: CdrSqliteConfig | undefined;
  if (files.sqlite !== undefined) {
    sink.addAll(files.sqlite.diagnostics);
    for (const category of visibleCategories(files.sqlite)) {
      if (category.name !== "master") {
        sink.warning(category.file, category.line, `cdr_sqlite3_custom.conf [${category.name}] is not read (only [master] is); section ignored`);
        continue;
      }
      const v = applyObject(cdrSqliteSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
      const columns = splitQuotedList(v.columns);
      const values = splitQuotedList(v.values);
      const where = `cdr_sqlite3_custom.conf [master]`;
      if (!IDENTIFIER.test(v.table)) sink.error(category.file, category.line, `${where}: table=${v.table} is not a plain table name (letters, digits, _); the SQLite backend is off`);
      else if (columns.length === 0) sink.error(category.file, category.line, `${where}: columns= is empty; the SQLite backend is off`);
      else if (columns.some((c) => !IDENTIFIER.test(c))) sink.error(category.file, category.line, `${where}: columns= holds '${columns.find((c) => !IDENTIFIER.test(c)) ?? ""}', which is not a plain column name; the SQLite backend is off`);
      else if (columns.length !== values.length) sink.error(category.file, category.line, `${where}: ${columns.length} columns but ${values.length} values; each column needs one value, so the SQLite backend is off`);
      else sqlite = { table: v.table, columns, values, busyTimeoutMs: v.busyTimeout };
    }
  }
  const fileList = [...(files.cdr?.files ?? []), ...(files.manager?.files ?? []), ...(files.sqlite?.files ?? [])];
  return { config: { general, csv, managerEnabled, sqlite }, diagnostics: sink.items, files: fileList };
}
