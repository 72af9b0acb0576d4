/**
 * Applies one configuration section to an object schema: starts from the defaults, runs each
 * line through its option's parser in file order, and reports unknown options, invalid values,
 * deprecated spellings and not-yet-implemented options with file, line, section and advice.
 *
 * DEVIATION(Asterisk): an unknown option or invalid value rejects only that object (Asterisk
 * does the same) but the message says what to write instead, with "did you mean" suggestions.
 */
import type { DiagnosticSink } from "../diagnostic.js";
import { joinChoices } from "../diagnostic.js";
import type { ConfigCategory, ConfigVariable } from "../ini/types.js";
import { CHAN_SIP_HINTS } from "./chan-sip-hints.js";
import { suggestNames } from "./suggest.js";
import type { AnyOption, ObjectSchema, SchemaValues } from "./types.js";

export interface ApplyOptions {
  /** Variable names handled by the caller (always `type`). */
  readonly skip?: ReadonlySet<string>;
  /**
   * Options already warned about as not implemented, shared across one load, so that each one
   * is reported once rather than once per object.
   */
  readonly notImplementedSeen?: Set<string>;
  /**
   * "object" (pjsip.conf): any bad line rejects the whole object, as Asterisk does.
   * "settings" (rtp.conf [general]): a bad value keeps that option's default and an unknown
   * option is only a warning, because Asterisk reads these files option by option.
   */
  readonly mode?: "object" | "settings";
}

export interface ApplyResult<V> {
  /** False when any line was rejected; the object must then not be created. */
  readonly ok: boolean;
  readonly values: V;
  /** Keys of options that some line set explicitly. */
  readonly set: ReadonlySet<string>;
}

/** The options' defaults as a fresh values object (lists are copied, never shared). */
export function defaultValues<O extends readonly AnyOption[]>(schema: ObjectSchema<O>): SchemaValues<O> {
  const values: Record<string, unknown> = {};
  for (const option of schema.options) {
    if (!(option.key in values)) values[option.key] = structuredClone(option.default);
  }
  return values as SchemaValues<O>;
}

export function findOption(schema: ObjectSchema, name: string): AnyOption | undefined {
  const lower = name.toLowerCase();
  return schema.options.find((o) => o.name.toLowerCase() === lower);
}

function label(schema: ObjectSchema, id: string): string {
  return `[${id}] ${schema.type}`;
}

function reportUnknown(schema: ObjectSchema, id: string, v: ConfigVariable, sink: DiagnosticSink, severity: "error" | "warning"): void {
  const near = suggestNames(
    v.name,
    schema.options.map((o) => o.name),
  );
  const chanSip = CHAN_SIP_HINTS[v.name.toLowerCase()];
  const suggestion =
    chanSip !== undefined
      ? `; '${v.name}' is a chan_sip (sip.conf) option: ${chanSip}`
      : near.length > 0
        ? `; did you mean ${joinChoices(near.map((n) => `'${n}'`))}?`
        : "";
  const message = `Could not find option '${v.name}' for object type '${schema.type}' in section [${id}] at ${v.file}:${v.line}${suggestion}`;
  if (severity === "error") sink.error(v.file, v.line, message);
  else sink.warning(v.file, v.line, `${message}; ignored`);
}

function isUnimplementedValue(option: AnyOption, value: unknown): boolean {
  const json = JSON.stringify(value);
  return (option.unimplementedValues ?? []).some((u) => JSON.stringify(u) === json);
}

/** A parsed value as a .conf file would spell it (booleans as yes/no). */
function valueText(value: unknown): string {
  if (typeof value === "boolean") return value ? "yes" : "no";
  return Array.isArray(value) ? value.join(",") : String(value);
}

/** Runs every variable of `category` through `schema`; see {@link ApplyResult}. */
export function applyObject<O extends readonly AnyOption[]>(
  schema: ObjectSchema<O>,
  category: ConfigCategory,
  sink: DiagnosticSink,
  opts: ApplyOptions = {},
): ApplyResult<SchemaValues<O>> {
  const id = category.name;
  const skip = opts.skip ?? new Set(["type"]);
  const seen = opts.notImplementedSeen ?? new Set<string>();
  const values = defaultValues(schema) as Record<string, unknown>;
  const set = new Set<string>();
  let ok = true;
  const settings = opts.mode === "settings";
  for (const v of category.variables) {
    if (skip.has(v.name.toLowerCase())) continue;
    const option = findOption(schema, v.name);
    if (option === undefined) {
      reportUnknown(schema, id, v, sink, settings ? "warning" : "error");
      if (!settings) ok = false;
      continue;
    }
    const result = option.parse(v.value, values[option.key]);
    if (!result.ok) {
      const hint = option.hint === undefined ? "" : `; ${option.hint}`;
      const keeps = settings ? `; keeping ${option.name}=${option.defaultText}` : "";
      sink.error(v.file, v.line, `${label(schema, id)}: ${option.name}=${v.value} is not valid; ${result.reason}${hint}${keeps}`);
      if (!settings) ok = false;
      continue;
    }
    if (result.warning !== undefined) sink.warning(v.file, v.line, `${label(schema, id)}: ${option.name}=${v.value}: ${result.warning}`);
    if (option.deprecated !== undefined) sink.warning(v.file, v.line, `${label(schema, id)}: ${option.name} is deprecated; ${option.deprecated}`);
    const seenKey = `${schema.type}/${option.name}`;
    if (!option.implemented && !seen.has(seenKey) && JSON.stringify(result.value) !== JSON.stringify(option.default)) {
      seen.add(seenKey);
      sink.warning(v.file, v.line, `${label(schema, id)}: option '${option.name}' is accepted but not implemented yet; it has no effect${option.hint === undefined ? "" : ` (${option.hint})`}`);
    }
    if (option.unimplementedValues !== undefined && isUnimplementedValue(option, result.value)) {
      const text = valueText(result.value);
      const valueKey = `${seenKey}=${text}`;
      if (!seen.has(valueKey)) {
        seen.add(valueKey);
        sink.warning(
          v.file,
          v.line,
          `${label(schema, id)}: ${option.name}=${text} is accepted but not implemented yet; Switchboard behaves as with ${option.name}=${option.defaultText}`,
        );
      }
    }
    values[option.key] = result.value;
    set.add(option.key);
  }
  if ((ok || settings) && schema.finalize !== undefined) {
    for (const reason of schema.finalize(values as SchemaValues<O>, set)) {
      sink.error(category.file, category.line, `${label(schema, id)}: ${reason}`);
      ok = false;
    }
  }
  if (!ok && !settings) {
    sink.error(
      category.file,
      category.line,
      `Could not create an object of type '${schema.type}' with id '${id}' from ${category.file}:${category.line}; fix the errors in this section (the rest of the file is loaded)`,
    );
  }
  return { ok, values: values as SchemaValues<O>, set };
}
