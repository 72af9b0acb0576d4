/**
 * Loads confbridge.conf (optional): `type=bridge` and `type=user` profiles through their schemas,
 * on top of the built-in `default_bridge` and `default_user` (a section of that name changes
 * them). `type=menu` sections are named as not implemented and left out; `[general]` has no
 * options in Asterisk, so anything in it is ignored with a warning.
 */
import { DiagnosticSink, type Diagnostic } from "../diagnostic.js";
import { lastValue, visibleCategories, type ParsedConfig } from "../ini/types.js";
import { applyObject, defaultValues } from "../schema/apply.js";
import { confbridgeBridgeSchema, confbridgeUserSchema, type ConfbridgeBridgeValues, type ConfbridgeUserValues } from "./confbridge-schema.js";

export const DEFAULT_BRIDGE_PROFILE = "default_bridge";
export const DEFAULT_USER_PROFILE = "default_user";

export interface ConfbridgeConfig {
  /** Bridge profiles by name; default_bridge is always there. */
  readonly bridges: ReadonlyMap<string, ConfbridgeBridgeValues>;
  /** User profiles by name; default_user is always there. */
  readonly users: ReadonlyMap<string, ConfbridgeUserValues>;
  /** Menu sections seen (not implemented), so ConfBridge can say so for a menu it is given. */
  readonly menus: ReadonlySet<string>;
}

export interface ConfbridgeConfigResult {
  readonly config: ConfbridgeConfig;
  readonly diagnostics: Diagnostic[];
  readonly files: string[];
}

export function defaultConfbridgeConfig(): ConfbridgeConfig {
  return {
    bridges: new Map([[DEFAULT_BRIDGE_PROFILE, defaultValues(confbridgeBridgeSchema)]]),
    users: new Map([[DEFAULT_USER_PROFILE, defaultValues(confbridgeUserSchema)]]),
    menus: new Set(),
  };
}

export function buildConfbridgeConfig(parsed: ParsedConfig | undefined): ConfbridgeConfigResult {
  const base = defaultConfbridgeConfig();
  if (parsed === undefined) return { config: base, diagnostics: [], files: [] };
  const sink = new DiagnosticSink();
  sink.addAll(parsed.diagnostics);
  const bridges = new Map(base.bridges);
  const users = new Map(base.users);
  const menus = new Set<string>();
  const seen = new Set<string>();
  let menuWarned = false;
  for (const category of visibleCategories(parsed)) {
    if (category.name === "general") {
      for (const v of category.variables) sink.warning(v.file, v.line, `confbridge.conf [general] has no options (${v.name} is not one); ignored`);
      continue;
    }
    const type = (lastValue(category, "type")?.value ?? "").trim().toLowerCase();
    if (type === "bridge") bridges.set(category.name, applyObject(confbridgeBridgeSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values);
    else if (type === "user") users.set(category.name, applyObject(confbridgeUserSchema, category, sink, { mode: "settings", notImplementedSeen: seen }).values);
    else if (type === "menu") {
      menus.add(category.name);
      if (!menuWarned) sink.warning(category.file, category.line, `confbridge.conf [${category.name}] type=menu is accepted but not implemented yet: DTMF menus in conferences do nothing (ConfBridge's menu argument is ignored)`);
      menuWarned = true;
    } else {
      const what = type === "" ? "has no type=" : `has type=${type}`;
      sink.warning(category.file, category.line, `confbridge.conf [${category.name}] ${what}; use type=bridge, type=user or type=menu; section ignored`);
    }
  }
  return { config: { bridges, users, menus }, diagnostics: sink.items, files: parsed.files };
}
