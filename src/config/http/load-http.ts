/**
 * Loads http.conf (optional): `[general]` through its schema. Without the file the HTTP server
 * stays off, as in Asterisk. Other sections (`[post_mappings]`) are named as not read.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { httpGeneralSchema, type HttpGeneral } from "./http-schema.js";

export interface HttpConfig {
  readonly general: HttpGeneral;
}

export interface HttpConfigResult {
  readonly config: HttpConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

export function defaultHttpConfig(): HttpConfig {
  return { general: defaultValues(httpGeneralSchema) };
}

export function buildHttpConfig(parsed: ParsedConfig | undefined): HttpConfigResult {
  if (parsed === undefined) return { config: defaultHttpConfig(), diagnostics: [], files: [] };
  const sink = new DiagnosticSink();
  sink.addAll(parsed.diagnostics);
  let general = defaultValues(httpGeneralSchema);
  for (const category of visibleCategories(parsed)) {
    if (category.name === "general") {
      general = applyObject(httpGeneralSchema, category, sink, { mode: "settings" }).values;
      continue;
    }
    sink.warning(category.file, category.line, `http.conf [${category.name}] is not read by Switchboard (only [general] is); section ignored`);
  }
  // With HTTPS on, an HTTPS-only server is a choice (the embedded default makes it), not a slip.
  if (general.enabled && general.bindaddr === "" && !general.tlsenable) {
    const at = visibleCategories(parsed).find((c) => c.name === "general");
    sink.warning(at?.file ?? parsed.fileName, at?.line ?? 0, "http.conf: enabled=yes but no bindaddr= is set, so the HTTP server (and ARI) does not listen; write bindaddr=127.0.0.1 (or an address of this host)");
  }
  return { config: { general }, diagnostics: sink.items, files: parsed.files };
}
