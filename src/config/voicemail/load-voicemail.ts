/**
 * Loads voicemail.conf (optional). `[general]` goes through its schema; `[zonemessages]` holds
 * `name => timezone|format` lines; every other section is a voicemail context whose lines are
 * mailboxes:
 *
 *   1234 => 4242,Example Mailbox,root@localhost,pager@localhost,attach=no|saycid=yes
 *
 * (password, full name, email, pager email, per-mailbox options separated by `|` or `,`). A
 * password starting with `-` may not be changed by the user, as in Asterisk.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { parseAsteriskBool } from "../schema/values.js";
import { voicemailGeneralSchema, type VoicemailGeneral } from "./voicemail-schema.js";

export interface Mailbox {
  readonly context: string;
  readonly box: string;
  readonly password: string;
  /** False when the password was written with a leading `-`. */
  readonly passwordChangeable: boolean;
  readonly fullName: string;
  readonly email: string;
  readonly pager: string;
  /** Per-mailbox options as written (lower-case names). */
  readonly options: ReadonlyMap<string, string>;
  readonly file: string;
  readonly line: number;
}

export interface Zone {
  readonly name: string;
  readonly timezone: string;
  readonly format: string;
}

export interface VoicemailConfig {
  readonly present: boolean;
  readonly general: VoicemailGeneral;
  /** `box@context` → mailbox. */
  readonly mailboxes: ReadonlyMap<string, Mailbox>;
  readonly zones: readonly Zone[];
}

export interface VoicemailConfigResult {
  readonly config: VoicemailConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

/** Per-mailbox options Switchboard acts on; the others are reported once. */
const MAILBOX_OPTIONS = new Set(["saycid", "envelope", "operator", "review", "tz", "maxmsg", "maxsecs", "minsecs", "tempgreetwarn", "nextaftercmd", "moveheard", "attach"]);

/** Context and mailbox names become directories of the spool: no separators, no `.` or `..`. */
const SPOOL_NAME = /^(?!\.{1,2}$)[0-9A-Za-z_.+-]+$/;

export function defaultVoicemailConfig(): VoicemailConfig {
  return { present: false, general: defaultValues(voicemailGeneralSchema), mailboxes: new Map(), zones: [] };
}

export function mailboxKey(box: string, context = "default"): string {
  return `${box}@${context}`;
}

export function buildVoicemailConfig(parsed: ParsedConfig | undefined): VoicemailConfigResult {
  const sink = new DiagnosticSink();
  if (parsed === undefined) return { config: defaultVoicemailConfig(), diagnostics: [], files: [] };
  sink.addAll(parsed.diagnostics);
  let general = defaultValues(voicemailGeneralSchema);
  const mailboxes = new Map<string, Mailbox>();
  const zones: Zone[] = [];
  const reported = new Set<string>();
  for (const category of visibleCategories(parsed)) {
    if (category.name === "general") {
      general = applyObject(voicemailGeneralSchema, category, sink, { mode: "settings" }).values;
      continue;
    }
    if (category.name === "zonemessages") {
      for (const v of category.variables) {
        const [timezone = "", format = ""] = v.value.split("|");
        zones.push({ name: v.name.trim(), timezone: timezone.trim(), format: format.trim() });
      }
      continue;
    }
    if (!SPOOL_NAME.test(category.name)) {
      sink.warning(category.file, category.line, `[${category.name}] cannot be a voicemail context (its name becomes a directory): use letters, digits, '_', '-', '+' or '.'; section skipped`);
      continue;
    }
    for (const v of category.variables) {
      const box = v.name.trim();
      if (!SPOOL_NAME.test(box)) {
        sink.warning(v.file, v.line, `[${category.name}] '${box}' is not a mailbox number; line skipped`);
        continue;
      }
      const parts = v.value.split(",");
      let password = (parts[0] ?? "").trim();
      const passwordChangeable = !password.startsWith("-");
      if (!passwordChangeable) password = password.slice(1);
      const options = new Map<string, string>();
      for (const opt of parts.slice(4).join(",").split(/[|,]/)) {
        const eq = opt.indexOf("=");
        if (eq <= 0) continue;
        const name = opt.slice(0, eq).trim().toLowerCase();
        const value = opt.slice(eq + 1).trim();
        options.set(name, value);
        if (!MAILBOX_OPTIONS.has(name) && !reported.has(name)) {
          reported.add(name);
          sink.warning(v.file, v.line, `[${category.name}] ${box}: mailbox option '${name}' is accepted but not implemented yet; it has no effect`);
        }
      }
      const key = mailboxKey(box, category.name);
      if (mailboxes.has(key)) sink.warning(v.file, v.line, `[${category.name}] mailbox ${box} is defined twice; the later line wins`);
      mailboxes.set(key, {
        context: category.name,
        box,
        password,
        passwordChangeable,
        fullName: (parts[1] ?? "").trim(),
        email: (parts[2] ?? "").trim(),
        pager: (parts[3] ?? "").trim(),
        options,
        file: v.file,
        line: v.line,
      });
    }
  }
  return { config: { present: true, general, mailboxes, zones }, diagnostics: sink.items, files: parsed.files };
}

/** A per-mailbox yes/no option, else the [general] value. */
export function mailboxFlag(m: Mailbox, name: string, fallback: boolean): boolean {
  const raw = m.options.get(name);
  if (raw === undefined) return fallback;
  return parseAsteriskBool(raw) ?? fallback;
}
