/**
 * The declarative option schema. Each object type (endpoint, aor, …) is a list of options with
 * Asterisk's name, a camelCase key for TypeScript, a default, a one-line synopsis and a parser.
 * The loader, the `check` command and the generated sample files all read the same list, so an
 * option is documented exactly once.
 */

export type OptionType =
  | "string"
  | "bool"
  | "int"
  | "uint"
  | "float"
  | "enum"
  | "enum-list"
  | "list"
  | "codecs"
  | "cidr-list"
  | "match-list"
  | "host-port"
  | "digest-list";

/** What an option parser returns: the new value, or why the text is not acceptable. */
export type ParseResult<V> = { ok: true; value: V; warning?: string } | { ok: false; reason: string };

export interface OptionSpec<K extends string = string, V = unknown> {
  /** Asterisk's option name as written in the file, e.g. `max_contacts`. */
  readonly name: string;
  /** camelCase property name in the typed object, e.g. `maxContacts`. */
  readonly key: K;
  readonly type: OptionType;
  readonly default: V;
  /** The default as written in a .conf file (for samples and docs). */
  readonly defaultText: string;
  readonly synopsis: string;
  readonly enumValues?: readonly string[];
  /** False: accepted for compatibility, but Switchboard does not act on it yet. */
  readonly implemented: boolean;
  /**
   * Values that are accepted but not acted on yet, for options where only some values work
   * (e.g. `dtmf_mode`: only rfc4733). Writing one gets the same once-per-load warning as a
   * not-implemented option, naming the value and what Switchboard does instead.
   */
  readonly unimplementedValues?: readonly V[];
  /** What to write instead, appended to invalid-value messages. */
  readonly hint?: string;
  /** Set on deprecated spellings: the warning to give when the option is used. */
  readonly deprecated?: string;
  /** How the console's object tables print the option, where that differs from the plain value. */
  readonly display?: OptionDisplay<V>;
  /**
   * Turns one line's text into the option's new value. `current` is the value so far (the
   * default, or what earlier lines set), which list options append to.
   */
  parse(raw: string, current: V): ParseResult<V>;
}

/**
 * How `pjsip show <type> <id>` prints an option. Asterisk prints each option through the handler
 * its module registered, so the same kind of value comes out differently: booleans as
 * `true`/`false`, `yes`/`no` or `Yes`/`No` depending on the option, and options registered without
 * a printer (`deny`, `permit`, `disallow` …) are not listed at all.
 */
export interface OptionDisplay<V = unknown> {
  /** Left out of the table (Asterisk accepts the option but does not list it). */
  readonly hidden?: boolean;
  /** Spelling of a boolean value; `true/false` when absent. */
  readonly booleans?: BooleanSpelling;
  /** Renders the value itself (e.g. codecs as `(ulaw|alaw)`), overriding `booleans`. */
  text?(value: V): string;
}

export type BooleanSpelling = "true/false" | "yes/no" | "Yes/No";

/** Any option, whatever its key and value type. */
// Method syntax on `parse` makes this assignment-compatible with every concrete OptionSpec.
export type AnyOption = OptionSpec<string, unknown>;

/** The typed values object described by a list of options. */
export type SchemaValues<O extends readonly AnyOption[]> = {
  -readonly [P in O[number] as P["key"]]: P extends OptionSpec<string, infer V> ? V : never;
};

/** Where a configuration object came from, for CLI output and diagnostics. */
export interface ObjectOrigin {
  readonly id: string;
  readonly file: string;
  readonly line: number;
}

/** One object type: its options plus a check that runs once all lines are applied. */
export interface ObjectSchema<O extends readonly AnyOption[] = readonly AnyOption[]> {
  readonly type: string;
  readonly synopsis: string;
  readonly options: O;
  /**
   * Cross-option rules (e.g. "rtp_port_start and rtp_port_end must be set together") and derived
   * values (e.g. the bind port from the protocol). Returns error texts; empty when valid.
   */
  finalize?(values: SchemaValues<O>, set: ReadonlySet<string>): string[];
}
