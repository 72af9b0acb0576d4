/**
 * Loads ari.conf (optional): `[general]` through its schema, every `type=user` section as an
 * ARI login. Without the file ARI has no users, so nothing can log in. A user without a
 * password is reported and left out (Asterisk refuses it too); other section types
 * (`outbound_websocket`) are named as not implemented.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { lastValue, visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { ariGeneralSchema, ariUserSchema, type AriGeneral, type AriUserValues } from "./ari-schema.js";

/** A login: the user section's options (readOnly, password, passwordFormat) and where it is. */
export interface AriUser extends AriUserValues {
  readonly name: string;
  readonly file: string;
  readonly line: number;
}

export interface AriConfig {
  /** False without ari.conf. */
  readonly present: boolean;
  readonly general: AriGeneral;
  /** Users by name (section names are case-sensitive). */
  readonly users: ReadonlyMap<string, AriUser>;
}

export interface AriConfigResult {
  readonly config: AriConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

export function defaultAriConfig(): AriConfig {
  return { present: false, general: defaultValues(ariGeneralSchema), users: new Map() };
}

export function buildAriConfig(parsed: ParsedConfig | undefined): AriConfigResult {
  if (parsed === undefined) return { config: defaultAriConfig(), diagnostics: [], files: [] };
  const sink = new DiagnosticSink();
  sink.addAll(parsed.diagnostics);
  let general = defaultValues(ariGeneralSchema);
  const users = new Map<string, AriUser>();
  const seen = new Set<string>();
  for (const category of visibleCategories(parsed)) {
    if (category.name === "general") {
      general = applyObject(ariGeneralSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
      continue;
    }
    const type = (lastValue(category, "type")?.value ?? "").trim().toLowerCase();
    if (type !== "user") {
      const what = type === "" ? "has no type=" : `has type=${type}, which Switchboard does not implement (only type=user)`;
      sink.warning(category.file, category.line, `ari.conf [${category.name}] ${what}; section ignored`);
      continue;
    }
    const v = applyObject(ariUserSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
    if (v.password === "") {
      sink.warning(category.file, category.line, `ari.conf user '${category.name}' has no password= and cannot log in; user left out`);
      continue;
    }
    if (v.passwordFormat === "crypt") {
      // Comparing a crypt(3) hash as plain text would let the hash itself log in.
      sink.error(category.file, category.line, `ari.conf user '${category.name}': password_format=crypt is not supported by Switchboard (crypt(3) hashes are not checked); write the password in plain text with password_format=plain; user left out`);
      continue;
    }
    if (users.has(category.name)) sink.warning(category.file, category.line, `ari.conf user '${category.name}' is defined twice; the later section wins`);
    users.set(category.name, { ...v, name: category.name, file: category.file, line: category.line });
  }
  return { config: { present: true, general, users }, diagnostics: sink.items, files: parsed.files };
}
