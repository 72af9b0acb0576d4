/**
 * Constructors for option specs, one per value type. Each builds the parser, the default's
 * written form and the camelCase key, so schema files read as a plain table of options.
 */
import { joinChoices } from "../diagnostic.js";
import { applyCodecLine, type CodecPreference } from "./codecs.js";
import type { OptionDisplay, OptionSpec, OptionType, ParseResult } from "./types.js";
import {
  parseAsteriskBool,
  parseCidr,
  parseFloatStrict,
  parseHostPort,
  parseInteger,
  parseMatchItem,
  parsePasswordDigest,
  splitList,
  type CidrEntry,
  type HostPort,
  type IdentifyMatch,
  type PasswordDigest,
} from "./values.js";

/** `max_contacts` → `maxContacts` at the type level. */
export type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;

export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Optional parts of every option. */
export interface OptionExtra<K extends string, V> {
  /** Overrides the derived key (for names that are not identifiers, e.g. `100rel`). */
  readonly key?: K;
  /** Defaults to true. */
  readonly implemented?: boolean;
  /** Values accepted but not acted on yet (see {@link OptionSpec.unimplementedValues}). */
  readonly unimplementedValues?: readonly V[];
  readonly hint?: string;
  readonly deprecated?: string;
  /** How console tables print the option (see {@link OptionDisplay}). */
  readonly display?: OptionDisplay<V>;
  /** Extra validation of a parsed value; returns the reason when invalid. */
  readonly check?: (value: V) => string | undefined;
}

interface NumberRange {
  readonly min?: number;
  readonly max?: number;
}

function build<K extends string, V>(
  name: string,
  type: OptionType,
  def: V,
  defaultText: string,
  synopsis: string,
  parse: (raw: string, current: V) => ParseResult<V>,
  extra: OptionExtra<K, V>,
  enumValues?: readonly string[],
): OptionSpec<K, V> {
  const check = extra.check;
  const spec: OptionSpec<K, V> = {
    name,
    key: (extra.key ?? camelCase(name)) as K,
    type,
    default: def,
    defaultText,
    synopsis,
    implemented: extra.implemented ?? true,
    ...(enumValues === undefined ? {} : { enumValues }),
    ...(extra.unimplementedValues === undefined ? {} : { unimplementedValues: extra.unimplementedValues }),
    ...(extra.hint === undefined ? {} : { hint: extra.hint }),
    ...(extra.deprecated === undefined ? {} : { deprecated: extra.deprecated }),
    ...(extra.display === undefined ? {} : { display: extra.display }),
    parse(raw: string, current: V): ParseResult<V> {
      const result = parse(raw, current);
      if (!result.ok || check === undefined) return result;
      const reason = check(result.value);
      return reason === undefined ? result : { ok: false, reason };
    },
  };
  return spec;
}

export function str<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  def: string,
  synopsis: string,
  extra: OptionExtra<K, string> = {},
): OptionSpec<K, string> {
  return build(name, "string", def, def, synopsis, (raw) => ({ ok: true, value: raw }), extra);
}

export function bool<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  def: boolean,
  synopsis: string,
  extra: OptionExtra<K, boolean> = {},
): OptionSpec<K, boolean> {
  return build(name, "bool", def, def ? "yes" : "no", synopsis, (raw) => {
    const value = parseAsteriskBool(raw);
    return value === undefined ? { ok: false, reason: "use yes or no" } : { ok: true, value };
  }, extra);
}

function rangeText(range: NumberRange): string {
  if (range.min !== undefined && range.max !== undefined) return ` between ${range.min} and ${range.max}`;
  if (range.min !== undefined) return ` of at least ${range.min}`;
  if (range.max !== undefined) return ` of at most ${range.max}`;
  return "";
}

export function int<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  def: number,
  synopsis: string,
  extra: OptionExtra<K, number> & NumberRange = {},
): OptionSpec<K, number> {
  const type: OptionType = extra.min === 0 ? "uint" : "int";
  return build(name, type, def, String(def), synopsis, (raw) => {
    const n = parseInteger(raw);
    if (n === undefined || (extra.min !== undefined && n < extra.min) || (extra.max !== undefined && n > extra.max)) {
      return { ok: false, reason: `write a whole number${rangeText(extra)}` };
    }
    return { ok: true, value: n };
  }, extra);
}

/** A non-negative whole number (Asterisk's unsigned options). */
export function uint<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  def: number,
  synopsis: string,
  extra: OptionExtra<K, number> & NumberRange = {},
): OptionSpec<K, number> {
  return int<N, K>(name, def, synopsis, { min: 0, ...extra });
}

export function float<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  def: number,
  synopsis: string,
  extra: OptionExtra<K, number> & NumberRange = {},
): OptionSpec<K, number> {
  return build(name, "float", def, def.toFixed(1), synopsis, (raw) => {
    const n = parseFloatStrict(raw);
    if (n === undefined || (extra.min !== undefined && n < extra.min) || (extra.max !== undefined && n > extra.max)) {
      return { ok: false, reason: `write a number${rangeText(extra)}` };
    }
    return { ok: true, value: n };
  }, extra);
}

/** One value out of a fixed set, matched case-insensitively and stored in its canonical spelling. */
export function oneOf<const N extends string, const V extends string, const K extends string = CamelCase<N>>(
  name: N,
  values: readonly V[],
  def: NoInfer<V>,
  synopsis: string,
  extra: OptionExtra<K, V> = {},
): OptionSpec<K, V> {
  return build(name, "enum", def, def, synopsis, (raw) => {
    const found = values.find((v) => v.toLowerCase() === raw.trim().toLowerCase());
    return found === undefined ? { ok: false, reason: `use ${joinChoices(values)}` } : { ok: true, value: found };
  }, extra, values);
}

/** A comma list whose items each come from a fixed set (e.g. `identify_by=username,ip`). */
export function oneOfList<const N extends string, const V extends string, const K extends string = CamelCase<N>>(
  name: N,
  values: readonly V[],
  def: readonly NoInfer<V>[],
  synopsis: string,
  extra: OptionExtra<K, V[]> = {},
): OptionSpec<K, V[]> {
  return build(name, "enum-list", [...def], def.join(","), synopsis, (raw) => {
    const out: V[] = [];
    for (const item of splitList(raw)) {
      const found = values.find((v) => v.toLowerCase() === item.toLowerCase());
      if (found === undefined) return { ok: false, reason: `'${item}' is not one of ${joinChoices(values)}` };
      if (!out.includes(found)) out.push(found);
    }
    return { ok: true, value: out };
  }, extra, values);
}

/**
 * A comma list of free-form items. `append` lists grow with every line (`contact=`, `set_var=`);
 * `replace` lists are single options whose last line wins, as in Asterisk (`aors=`).
 */
export function list<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  synopsis: string,
  extra: OptionExtra<K, string[]> & { readonly repeat?: "append" | "replace"; readonly separator?: RegExp } = {},
): OptionSpec<K, string[]> {
  const append = extra.repeat === "append";
  return build(name, "list", [] as string[], "", synopsis, (raw, current) => {
    const items = extra.separator === undefined ? splitList(raw) : splitList(raw, extra.separator);
    return { ok: true, value: append ? [...current, ...items] : items };
  }, extra);
}

/** Builds a list option whose items are parsed one by one and appended across lines. */
function itemList<K extends string, T>(
  name: string,
  type: OptionType,
  synopsis: string,
  parseItem: (item: string) => T | string,
  extra: OptionExtra<K, T[]>,
): OptionSpec<K, T[]> {
  return build(name, type, [] as T[], "", synopsis, (raw, current) => {
    const out = [...current];
    for (const item of splitList(raw)) {
      const parsed = parseItem(item);
      if (typeof parsed === "string") return { ok: false, reason: parsed };
      out.push(parsed);
    }
    return { ok: true, value: out };
  }, extra);
}

export function cidrList<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  synopsis: string,
  extra: OptionExtra<K, CidrEntry[]> = {},
): OptionSpec<K, CidrEntry[]> {
  return itemList(name, "cidr-list", synopsis, parseCidr, extra);
}

/** One line of an Asterisk ACL (`permit=`/`deny=`), in file order: the last rule that matches decides. */
export interface AclRule {
  readonly sense: "permit" | "deny";
  readonly network: CidrEntry;
}

/**
 * `permit=` or `deny=` (and `contact_permit`/`contact_deny`): both append to one ordered rule
 * list, as Asterisk's ACLs keep them, so `deny=0.0.0.0/0` then `permit=10.0.0.0/8` reads as written.
 */
export function aclRules<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  sense: AclRule["sense"],
  synopsis: string,
  extra: OptionExtra<K, AclRule[]> = {},
): OptionSpec<K, AclRule[]> {
  return itemList(name, "cidr-list", synopsis, (item) => {
    const network = parseCidr(item);
    return typeof network === "string" ? network : { sense, network };
  }, extra);
}

export function matchList<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  synopsis: string,
  extra: OptionExtra<K, IdentifyMatch[]> = {},
): OptionSpec<K, IdentifyMatch[]> {
  return itemList(name, "match-list", synopsis, parseMatchItem, extra);
}

export function digestList<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  synopsis: string,
  extra: OptionExtra<K, PasswordDigest[]> = {},
): OptionSpec<K, PasswordDigest[]> {
  return itemList(name, "digest-list", synopsis, parsePasswordDigest, extra);
}

export function hostPort<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  def: HostPort,
  defaultText: string,
  synopsis: string,
  extra: OptionExtra<K, HostPort> = {},
): OptionSpec<K, HostPort> {
  return build(name, "host-port", def, defaultText, synopsis, (raw) => {
    const parsed = parseHostPort(raw);
    return typeof parsed === "string" ? { ok: false, reason: parsed } : { ok: true, value: parsed };
  }, extra);
}

/** `allow=` or `disallow=`: both edit the same preference list, with opposite sense. */
export function codecs<const N extends string, const K extends string = CamelCase<N>>(
  name: N,
  sense: "allow" | "disallow",
  synopsis: string,
  extra: OptionExtra<K, CodecPreference[]> = {},
): OptionSpec<K, CodecPreference[]> {
  return build(name, "codecs", [] as CodecPreference[], "", synopsis, (raw, current) => applyCodecLine(raw, current, sense), extra);
}
