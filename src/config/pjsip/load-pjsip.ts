/**
 * Builds typed pjsip.conf objects from a parsed file: finds each section's `type=`, applies the
 * type's schema, rejects duplicates of the same type and id, then checks that names used in
 * `aors=`, `auth=`, `outbound_auth=`, `transport=` and identify `endpoint=` exist.
 *
 * DEVIATION(Asterisk): a duplicate `[id]` of one type makes Asterisk reject the whole file; we
 * keep the first definition, reject the later one, and say so.
 */
import { DiagnosticSink, joinChoices } from "../diagnostic.js";
import { dirAccess } from "../ini/file-access.js";
import { parseConfigFile } from "../ini/parser.js";
import { lastValue, visibleCategories, type ConfigCategory, type ConfigReadOptions, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { suggestNames } from "../schema/suggest.js";
import type { ObjectOrigin } from "../schema/types.js";
import { aorSchema, type AorConfig } from "./aor-schema.js";
import { authSchema, type AuthConfig } from "./auth-schema.js";
import { checkCodecSupport } from "./codec-support.js";
import { checkCrossReferences } from "./cross-references.js";
import { endpointSchema, type EndpointConfig } from "./endpoint-schema.js";
import { globalSchema, type GlobalConfig } from "./global-schema.js";
import { identifySchema, type IdentifyConfig } from "./identify-schema.js";
import { IMPLIED_TYPES, PJSIP_SCHEMAS, UNIMPLEMENTED_PJSIP_TYPES } from "./object-types.js";
import { systemSchema, type SystemConfig } from "./system-schema.js";
import { transportSchema, type TransportConfig } from "./transport-schema.js";
import type { PjsipConfigResult } from "./pjsip-config.js";
export type { PjsipConfigResult } from "./pjsip-config.js";


const KNOWN_TYPES = PJSIP_SCHEMAS.map((s) => s.type);

function sectionType(category: ConfigCategory, sink: DiagnosticSink): string | undefined {
  const typeVar = lastValue(category, "type");
  if (typeVar !== undefined) return typeVar.value.trim().toLowerCase();
  const implied = IMPLIED_TYPES[category.name.toLowerCase()];
  if (implied !== undefined) return implied;
  sink.error(category.file, category.line, `[${category.name}] has no type=; every pjsip.conf section needs one (${joinChoices(KNOWN_TYPES.map((t) => `type=${t}`))})`);
  return undefined;
}

/** Turns an already parsed pjsip.conf into typed objects plus diagnostics. */
export function buildPjsipConfig(parsed: ParsedConfig): PjsipConfigResult {
  const sink = new DiagnosticSink();
  sink.addAll(parsed.diagnostics);
  const notImplementedSeen = new Set<string>();
  const applyOpts = { notImplementedSeen };
  const transports: TransportConfig[] = [];
  const endpoints = new Map<string, EndpointConfig>();
  const aors = new Map<string, AorConfig>();
  const auths = new Map<string, AuthConfig>();
  const identifies: IdentifyConfig[] = [];
  const rejected: Array<{ type: string; id: string }> = [];
  const origin = (c: ConfigCategory): ObjectOrigin => ({ id: c.name, file: c.file, line: c.line });
  let global: GlobalConfig = { ...defaultValues(globalSchema), id: "global", file: parsed.fileName, line: 0 };
  let system: SystemConfig = { ...defaultValues(systemSchema), id: "system", file: parsed.fileName, line: 0 };
  const seen = new Map<string, ConfigCategory>();
  const warnedTypes = new Set<string>();

  for (const category of visibleCategories(parsed)) {
    const type = sectionType(category, sink);
    if (type === undefined) continue;
    const where = `${category.file}:${category.line}`;
    if (UNIMPLEMENTED_PJSIP_TYPES.includes(type)) {
      sink.warning(category.file, category.line, `[${category.name}] ${type}: object type '${type}' is not implemented yet; section ignored${warnedTypes.has(type) ? "" : ` (Switchboard implements ${joinChoices(KNOWN_TYPES, "and")})`}`);
      warnedTypes.add(type);
      continue;
    }
    if (!(KNOWN_TYPES as readonly string[]).includes(type)) {
      const near = suggestNames(type, [...KNOWN_TYPES, ...UNIMPLEMENTED_PJSIP_TYPES]);
      const advice = near.length > 0 ? `did you mean ${joinChoices(near.map((n) => `type=${n}`))}?` : `use ${joinChoices(KNOWN_TYPES)}`;
      sink.error(category.file, category.line, `[${category.name}] type=${type} is not a known object type; ${advice}`);
      continue;
    }
    const key = `${type}/${category.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      sink.error(
        category.file,
        category.line,
        `[${category.name}] ${type}: duplicate object: '${category.name}' of type '${type}' is already defined at ${first.file}:${first.line}; this definition at ${where} is ignored (Asterisk would reject the whole file)`,
      );
      continue;
    }
    seen.set(key, category);
    switch (type) {
      case "transport": {
        const r = applyObject(transportSchema, category, sink, applyOpts);
        if (r.ok) transports.push({ ...r.values, ...origin(category) });
        else rejected.push({ type, id: category.name });
        break;
      }
      case "endpoint": {
        const r = applyObject(endpointSchema, category, sink, applyOpts);
        if (r.ok) endpoints.set(category.name, { ...r.values, ...origin(category) });
        else rejected.push({ type, id: category.name });
        break;
      }
      case "aor": {
        const r = applyObject(aorSchema, category, sink, applyOpts);
        if (r.ok) aors.set(category.name, { ...r.values, ...origin(category) });
        else rejected.push({ type, id: category.name });
        break;
      }
      case "auth": {
        const r = applyObject(authSchema, category, sink, applyOpts);
        if (r.ok) auths.set(category.name, { ...r.values, ...origin(category) });
        else rejected.push({ type, id: category.name });
        break;
      }
      case "identify": {
        const r = applyObject(identifySchema, category, sink, applyOpts);
        if (r.ok) identifies.push({ ...r.values, ...origin(category) });
        else rejected.push({ type, id: category.name });
        break;
      }
      case "global": {
        const r = applyObject(globalSchema, category, sink, applyOpts);
        if (r.ok) global = { ...r.values, ...origin(category) };
        else rejected.push({ type, id: category.name });
        break;
      }
      case "system": {
        const r = applyObject(systemSchema, category, sink, applyOpts);
        if (r.ok) system = { ...r.values, ...origin(category) };
        else rejected.push({ type, id: category.name });
        break;
      }
    }
  }
  const result: PjsipConfigResult = { transports, endpoints, aors, auths, identifies, global, system, diagnostics: sink.items, files: parsed.files, rejected };
  sink.addAll(checkCrossReferences(result));
  sink.addAll(checkCodecSupport(endpoints.values()));
  return result;
}

/** Reads `pjsip.conf` (and its includes) from `dir`; a missing file is an error diagnostic. */
export function loadPjsipConfig(dir: string, opts: ConfigReadOptions & { readonly fileName?: string } = {}): PjsipConfigResult {
  const fileName = opts.fileName ?? "pjsip.conf";
  const disk = dirAccess(dir);
  return buildPjsipConfig(parseConfigFile(fileName, { readFile: opts.readFile ?? disk.readFile, listFiles: opts.listFiles ?? disk.listFiles }));
}
