/**
 * The option rows of `pjsip show endpoint|aor|auth|transport|identify <id>`: every option of the
 * object's schema that Asterisk lists, sorted by name, each value spelled the way Asterisk's
 * printer for that option spells it (see OptionDisplay in config/schema/types.ts).
 */
import type { AnyOption, ObjectSchema } from "../../config/schema/types.js";
import type { CodecPreference } from "../../config/schema/codecs.js";

/** Asterisk prints a format capability list as `(ulaw|alaw)`, an empty one as `(nothing)`. */
export function codecListText(codecs: readonly CodecPreference[]): string {
  return codecs.length === 0 ? "(nothing)" : `(${codecs.map((c) => c.name).join("|")})`;
}

const BOOLEAN_WORDS = {
  "true/false": ["true", "false"],
  "yes/no": ["yes", "no"],
  "Yes/No": ["Yes", "No"],
} as const;

/** Values that are neither scalars nor lists: host:port, match items, digests. */
function structuredText(v: object): string {
  const o = v as Record<string, unknown>;
  if ("host" in o && "port" in o) return o.port ? `${field(o.host)}:${field(o.port)}` : field(o.host);
  if ("algorithm" in o && "hash" in o) return `${field(o.algorithm)}:<hidden>`;
  if ("name" in o) return "ptime" in o && o.ptime ? `${field(o.name)}:${field(o.ptime)}` : field(o.name);
  if ("address" in o && "prefixLength" in o) return `${field(o.address)}/${field(o.prefixLength)}`;
  if ("kind" in o && "host" in o) return field(o.host);
  return JSON.stringify(v);
}

/** One field of a structured value: a scalar as itself, anything nested as JSON (never `[object Object]`). */
function field(x: unknown): string {
  return typeof x === "object" && x !== null ? JSON.stringify(x) : String(x);
}

/** A value as plain text: lists comma-joined, booleans true/false. */
export function plainValueText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return v.map((x) => plainValueText(x)).join(",");
  if (typeof v === "object") return structuredText(v);
  return field(v);
}

/** One option's value as `pjsip show <type> <id>` prints it. */
export function optionValueText(option: AnyOption, value: unknown): string {
  const display = option.display;
  if (display?.text !== undefined) return display.text(value);
  if (typeof value === "boolean") {
    const [yes, no] = BOOLEAN_WORDS[display?.booleans ?? "true/false"];
    return value ? yes : no;
  }
  // Asterisk prints doubles with "%f".
  if (option.type === "float" && typeof value === "number") return value.toFixed(6);
  if (option.type === "codecs" && Array.isArray(value)) return codecListText(value as CodecPreference[]);
  if (option.name === "password") return value ? "<hidden>" : "";
  return plainValueText(value);
}

/**
 * The rows of one object, sorted by option name as Asterisk sorts them (byte order). `values`
 * replaces an option's configured value with run-time state, e.g. an aor's registered contacts.
 */
export function objectRows(schema: ObjectSchema, obj: object, values: Readonly<Record<string, string>> = {}): Array<[string, string]> {
  const fields = obj as Readonly<Record<string, unknown>>;
  const rows: Array<[string, string]> = [];
  for (const o of schema.options) {
    if (o.display?.hidden === true) continue;
    rows.push([o.name, values[o.name] ?? optionValueText(o, fields[o.key])]);
  }
  return rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
