/**
 * Loads manager.conf (optional): `[general]` through its schema, every other section as a
 * manager user. Without the file AMI stays off, as in Asterisk. A user without a secret cannot
 * log in and is reported; an eventfilter that is not a valid regular expression is an error at
 * its line, and the user keeps the filters that are.
 *
 * AMI enabled on an address other than loopback needs at least one user, each with a permit=
 * list: an AMI user can place calls, so a port open to the world with only a password in front
 * is the toll-fraud door Switchboard keeps shut. That is an error at load and in check, and the
 * manager module then does not listen.
 */
import { isIP } from "node:net";
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import type { AclRule } from "../schema/options.js";
import { MANAGER_CLASSES, managerGeneralSchema, managerUserSchema, type ManagerClass, type ManagerGeneral } from "./manager-schema.js";

/** One `eventfilter=` line compiled: a white filter lets matching events through, a black one drops them. */
export interface EventFilter {
  readonly sense: "white" | "black";
  readonly pattern: RegExp;
  readonly text: string;
}

export interface ManagerUser {
  readonly name: string;
  readonly secret: string;
  readonly rules: readonly AclRule[];
  /** Named ACLs (acl.conf) the address must pass too. */
  readonly acl: readonly string[];
  readonly read: ReadonlySet<ManagerClass>;
  readonly write: ReadonlySet<ManagerClass>;
  readonly setvar: readonly string[];
  readonly eventFilters: readonly EventFilter[];
  readonly writeTimeoutMs: number;
  readonly displayConnects: boolean;
  readonly allowMultipleLogin: boolean;
  readonly file: string;
  readonly line: number;
}

export interface ManagerConfig {
  readonly general: ManagerGeneral;
  /** Users by name (section names are case-sensitive in Asterisk's manager.conf). */
  readonly users: ReadonlyMap<string, ManagerUser>;
  /** acl.conf's named ACLs, which users' acl= name. */
  readonly namedAcls: ReadonlyMap<string, readonly AclRule[]>;
}

export interface ManagerConfigResult {
  readonly config: ManagerConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

export function defaultManagerConfig(): ManagerConfig {
  return { general: defaultValues(managerGeneralSchema), users: new Map(), namedAcls: new Map() };
}

/** `read=`/`write=` as a class set: `all` is every class, `none` none. */
export function classSet(names: readonly string[]): Set<ManagerClass> {
  if (names.includes("all")) return new Set(MANAGER_CLASSES);
  return new Set(names.filter((n): n is ManagerClass => (MANAGER_CLASSES as readonly string[]).includes(n)));
}

function compileFilter(text: string): EventFilter | string {
  const black = text.startsWith("!");
  const source = black ? text.slice(1) : text;
  try {
    return { sense: black ? "black" : "white", pattern: new RegExp(source), text };
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function isLoopback(address: string): boolean {
  const a = address.trim().replace(/^\[(.*)\]$/, "$1");
  return a === "localhost" || a === "::1" || (isIP(a) === 4 && a.startsWith("127."));
}

/** Why AMI may not listen on `address` with these users, or undefined when it may. */
export function exposureProblem(m: ManagerConfig, address: string): string | undefined {
  if (isLoopback(address)) return undefined;
  if (m.users.size === 0) return `bindaddr ${address} is not a loopback address and manager.conf has no user`;
  const open = [...m.users.values()].filter((u) => !u.rules.some((r) => r.sense === "permit") && !u.acl.some((n) => m.namedAcls.get(n)?.some((r) => r.sense === "permit") === true)).map((u) => u.name);
  if (open.length === 0) return undefined;
  return `bindaddr ${address} is not a loopback address and user${open.length > 1 ? "s" : ""} ${open.map((n) => `'${n}'`).join(", ")} ${open.length > 1 ? "have" : "has"} no permit= list`;
}

/** The addresses AMI listens on: bindaddr, and tlsbindaddr's host when TLS is on. */
export function listenAddresses(g: ManagerGeneral): string[] {
  return g.tlsenable ? [g.bindaddr, g.tlsbindaddr.replace(/:\d+$/, "")] : [g.bindaddr];
}

export function buildManagerConfig(parsed: ParsedConfig | undefined, namedAcls: ReadonlyMap<string, readonly AclRule[]> = new Map()): ManagerConfigResult {
  if (parsed === undefined) return { config: { ...defaultManagerConfig(), namedAcls }, diagnostics: [], files: [] };
  const sink = new DiagnosticSink();
  sink.addAll(parsed.diagnostics);
  let general = defaultValues(managerGeneralSchema);
  const users = new Map<string, ManagerUser>();
  const seen = new Set<string>();
  for (const category of visibleCategories(parsed)) {
    if (category.name === "general") {
      general = applyObject(managerGeneralSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values;
      continue;
    }
    const r = applyObject(managerUserSchema, category, sink, { mode: "settings", notImplementedSeen: seen });
    const v = r.values;
    const filters: EventFilter[] = [];
    for (const text of v.eventfilter) {
      const f = compileFilter(text);
      if (typeof f === "string") {
        const at = category.variables.find((x) => x.name.toLowerCase() === "eventfilter" && x.value.trim() === text);
        sink.error(at?.file ?? category.file, at?.line ?? category.line, `manager user '${category.name}': eventfilter=${text} is not a valid regular expression (${f}); that filter is left out`);
      } else filters.push(f);
    }
    if (v.secret.length === 0) sink.warning(category.file, category.line, `manager user '${category.name}' has no secret= and cannot log in`);
    if (users.has(category.name)) sink.warning(category.file, category.line, `manager user '${category.name}' is defined twice; the later section wins`);
    for (const n of v.acl) {
      if (!namedAcls.has(n)) sink.error(category.file, category.line, `manager user '${category.name}': acl=${n} names an ACL acl.conf does not define; this user cannot log in until it is defined`);
    }
    users.set(category.name, {
      name: category.name,
      secret: v.secret,
      rules: v.permit,
      acl: v.acl,
      read: classSet(v.read),
      write: classSet(v.write),
      setvar: v.setvar,
      eventFilters: filters,
      writeTimeoutMs: v.writetimeout,
      displayConnects: v.displayconnects,
      allowMultipleLogin: v.allowmultiplelogin,
      file: category.file,
      line: category.line,
    });
  }
  const config = { general, users, namedAcls };
  if (general.enabled) {
    const at = parsed.categories.find((c) => c.name === "general");
    for (const address of listenAddresses(general)) {
      const problem = exposureProblem(config, address);
      if (problem !== undefined) {
        sink.error(at?.file ?? parsed.fileName, at?.line ?? 0, `manager.conf: ${problem}; AMI will not listen. Add permit= lines (e.g. permit=10.0.0.0/8) to every user, or set bindaddr = 127.0.0.1`);
        break;
      }
    }
    for (const u of users.values()) {
      if (u.secret.length > 0 && u.secret.length < 8) sink.warning(u.file, u.line, `manager user '${u.name}': a secret of ${u.secret.length} characters is guessable; AMI users can place calls, use 16 or more`);
    }
  }
  return { config, diagnostics: sink.items, files: parsed.files };
}
