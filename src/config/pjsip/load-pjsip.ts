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
import { applyObject } from "../schema/apply.js";
import { suggestNames } from "../schema/suggest.js";
import { checkCodecSupport } from "./codec-support.js";
import { checkSrtpSupport } from "./srtp-support.js";
import { checkCrossReferences } from "./cross-references.js";
import type { PjsipObjectTypes } from "./object-descriptor.js";
import { PjsipObjectStore } from "./object-store.js";
import { PJSIP_OBJECT_TYPES, UNIMPLEMENTED_PJSIP_TYPES } from "./object-types.js";
import type { PjsipConfigResult } from "./pjsip-config.js";
export type { PjsipConfigResult } from "./pjsip-config.js";

function sectionType(category: ConfigCategory, types: PjsipObjectTypes, sink: DiagnosticSink): string | undefined {
  const typeVar = lastValue(category, "type");
  if (typeVar !== undefined) return typeVar.value.trim().toLowerCase();
  const implied = types.impliedBy(category.name);
  if (implied !== undefined) return implied.type;
  sink.error(category.file, category.line, `[${category.name}] has no type=; every pjsip.conf section needs one (${joinChoices(types.names().map((t) => `type=${t}`))})`);
  return undefined;
}

/**
 * Turns an already parsed pjsip.conf into typed objects plus diagnostics. `types` are the object
 * types to load; any other Asterisk type is accepted with a warning, anything else is an error.
 */
export function buildPjsipConfig(parsed: ParsedConfig, types: PjsipObjectTypes = PJSIP_OBJECT_TYPES): PjsipConfigResult {
  const sink = new DiagnosticSink();
  sink.addAll(parsed.diagnostics);
  const known = types.names();
  const unimplemented = UNIMPLEMENTED_PJSIP_TYPES.filter((t) => !known.includes(t));
  const applyOpts = { notImplementedSeen: new Set<string>() };
  const result = new PjsipObjectStore({ types, fileName: parsed.fileName, files: parsed.files, diagnostics: sink.items });
  const seen = new Map<string, ConfigCategory>();
  const warnedTypes = new Set<string>();

  for (const category of visibleCategories(parsed)) {
    const type = sectionType(category, types, sink);
    if (type === undefined) continue;
    const where = `${category.file}:${category.line}`;
    if (unimplemented.includes(type)) {
      sink.warning(category.file, category.line, `[${category.name}] ${type}: object type '${type}' is not implemented yet; section ignored${warnedTypes.has(type) ? "" : ` (Switchboard implements ${joinChoices(known, "and")})`}`);
      warnedTypes.add(type);
      continue;
    }
    const objects = result.byType.get(type);
    if (objects === undefined) {
      const near = suggestNames(type, [...known, ...unimplemented]);
      const advice = near.length > 0 ? `did you mean ${joinChoices(near.map((n) => `type=${n}`))}?` : `use ${joinChoices(known)}`;
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
    const r = applyObject(objects.schema, category, sink, applyOpts);
    if (r.ok) objects.add({ ...r.values, id: category.name, file: category.file, line: category.line });
    else result.rejected.push({ type, id: category.name });
  }
  sink.addAll(checkCrossReferences(result));
  sink.addAll(checkCodecSupport(result.endpoints.values()));
  sink.addAll(checkSrtpSupport(result.endpoints.values(), result.transports));
  return result;
}

/** Reads `pjsip.conf` (and its includes) from `dir`; a missing file is an error diagnostic. */
export function loadPjsipConfig(dir: string, opts: ConfigReadOptions & { readonly fileName?: string; readonly types?: PjsipObjectTypes } = {}): PjsipConfigResult {
  const fileName = opts.fileName ?? "pjsip.conf";
  const disk = dirAccess(dir);
  return buildPjsipConfig(parseConfigFile(fileName, { readFile: opts.readFile ?? disk.readFile, listFiles: opts.listFiles ?? disk.listFiles }), opts.types);
}
