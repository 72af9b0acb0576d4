/**
 * Loads acl.conf (optional): each section a named ACL. `[general]` is not an ACL in Asterisk
 * either and is named as not read.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject } from "../schema/apply.js";
import type { AclRule } from "../schema/options.js";
import { aclSchema } from "./acl-schema.js";

export interface AclConfig {
  /** Rules of each named ACL, by section name (case-sensitive, as Asterisk's). */
  readonly named: ReadonlyMap<string, readonly AclRule[]>;
}

export interface AclConfigResult {
  readonly config: AclConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

export function buildAclConfig(parsed: ParsedConfig | undefined): AclConfigResult {
  if (parsed === undefined) return { config: { named: new Map() }, diagnostics: [], files: [] };
  const sink = new DiagnosticSink();
  sink.addAll(parsed.diagnostics);
  const named = new Map<string, readonly AclRule[]>();
  for (const category of visibleCategories(parsed)) {
    if (category.name === "general") {
      sink.warning(category.file, category.line, "acl.conf [general] is not an ACL and is not read; section ignored");
      continue;
    }
    const v = applyObject(aclSchema, category, sink, { mode: "settings" }).values;
    if (named.has(category.name)) sink.warning(category.file, category.line, `acl.conf: ACL '${category.name}' is defined twice; the later section wins`);
    if (v.permit.length === 0) sink.warning(category.file, category.line, `acl.conf: ACL '${category.name}' has no permit= or deny= line and allows every address`);
    named.set(category.name, v.permit);
  }
  return { config: { named }, diagnostics: sink.items, files: parsed.files };
}

/** Asterisk's ACL list: every ACL must allow the address; a name acl.conf does not define refuses it. */
export function namedAclsAllow(names: readonly string[], named: ReadonlyMap<string, readonly AclRule[]>, allows: (rules: readonly AclRule[]) => boolean): boolean {
  for (const n of names) {
    const rules = named.get(n);
    if (rules === undefined || !allows(rules)) return false;
  }
  return true;
}

/** Endpoints whose acl= or contact_acl= name an ACL acl.conf does not define: errors (such an endpoint refuses every request). */
export function endpointAclProblems(endpoints: Iterable<{ readonly id: string; readonly file: string; readonly line: number; readonly acl: readonly string[]; readonly contactAcl: readonly string[] }>, acl: AclConfig): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const ep of endpoints) {
    for (const [option, names] of [["acl", ep.acl], ["contact_acl", ep.contactAcl]] as const) {
      for (const n of names) {
        if (!acl.named.has(n)) out.push({ severity: "error", file: ep.file, line: ep.line, message: `endpoint '${ep.id}': ${option}=${n} names an ACL acl.conf does not define; every request from this endpoint is refused (403) until it is defined` });
      }
    }
  }
  return out;
}

/** The ACL names in an option's lines (a line may list several, comma-separated). */
export function aclNames(lines: readonly string[]): string[] {
  return lines.flatMap((l) => l.split(",")).map((n) => n.trim()).filter((n) => n !== "");
}

/** rtp.conf ice_acl= lines naming an ACL acl.conf does not define: warnings (such an ACL allows no host candidate, so every ICE leg goes without ICE). */
export function iceAclProblems(rtp: { readonly file: string; readonly line: number; readonly iceAcl: readonly string[] }, acl: AclConfig): Diagnostic[] {
  return aclNames(rtp.iceAcl)
    .filter((n) => !acl.named.has(n))
    .map((n) => ({ severity: "warning" as const, file: rtp.file, line: rtp.line, message: `rtp.conf [general] ice_acl=${n} names an ACL acl.conf does not define; it allows no address, so no host candidate is offered and every leg goes without ICE until [${n}] is defined in acl.conf` }));
}
