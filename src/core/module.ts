/**
 * The module contract (STYLE.md §1: "a feature is a module that registers everything it adds").
 *
 * A module *declares* what can be known before it runs — its name, the modules it needs before
 * it, the configuration it reads, the SIP capabilities it adds and the events it emits — and
 * *registers* what it adds while it starts (console commands, dialplan applications and
 * functions, event listeners) through its context, which remembers each registration and undoes
 * it when the module stops. A module that forgets to clean up therefore still leaves nothing
 * behind, and the host can say which module added what.
 *
 * The lifecycle mirrors Asterisk's loader (load_module / reload / unload_module):
 *
 *   start(ctx) ──► ready(ctx) ──► reload(ctx)* ──► stop()
 *      │ throws: what it registered is undone, the modules before it stop in reverse order
 *
 * `start` runs in list order and may depend on every module before it; `ready` runs once all of
 * them have started (the control socket listens there, so a console never sees a command
 * missing); `stop` runs in reverse order, once, however often the host is asked to stop.
 *
 * This file knows nothing of SIP, config or the PBX: each layer extends `ModuleContext` with
 * the services it offers (sip/sip-stack-module.ts, pbx/module-context.ts).
 */
import type { Clock } from "./clock.js";
import type { CommandRegistrar } from "./commands.js";
import { InvalidStateError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { CapabilitySet, SipCapabilities } from "./module-capabilities.js";

/** A configuration file a module reads, and the object types (`type=`) it reads from it. */
export interface ConfigUse {
  readonly file: string;
  readonly objectTypes?: readonly string[];
}

/** Anything items can be registered with; registering returns the matching unregister. */
export interface Registrar<T> {
  register(item: T): () => void;
}

/** What every module gets; layers add their services by extending it. */
export interface ModuleContext {
  /** The module's own name. */
  readonly module: string;
  /** The root logger; modules log through children named by category (`pbx.registrar`). */
  readonly log: Logger;
  readonly clock: Clock;
  readonly dataDir: string;
  /** The configuration directory, or undefined for the embedded default. */
  readonly configDir: string | undefined;
  /** Console commands; what the module registers here is removed when it stops. */
  readonly commands: CommandRegistrar;
  /** The SIP capabilities of every loaded module (known before the first one starts). */
  readonly capabilities: CapabilitySet;
  /** Runs `undo` when the module stops, before its own `stop()`, the latest first. */
  defer(undo: () => void | Promise<void>): void;
  /**
   * A registrar that registers into `target` on the module's behalf: each registration is
   * undone when the module stops and is listed (as `kind`: name) by the host's `dump()`.
   */
  adopt<T>(kind: string, target: Registrar<T>, nameOf: (item: T) => string): Registrar<T>;
}

/**
 * An Asterisk module whose job a Switchboard module does (`res_pjsip_registrar.so` for the
 * registrar), so that `module show`, `module load` and `module reload` answer to the names an
 * Asterisk admin types.
 */
export interface ProvidedModule {
  /** Asterisk's file name, `res_srtp.so`. */
  readonly name: string;
  /** Asterisk's description of it, as `module show` prints it. */
  readonly description: string;
  /** Whether `module reload <name>` does something; default: the providing module has `reload`. */
  readonly reloads?: boolean;
  /** `module show`'s Use Count (chan_pjsip: its channels); default 0. */
  useCount?(): number;
}

export interface PbxModule<C extends ModuleContext = ModuleContext> {
  /** Unique, kebab-case: `registrar`, `sip-trace`. */
  readonly name: string;
  /** One line for `module show` (a module without `provides` is listed under its own name). */
  readonly description?: string;
  /** The Asterisk modules this one stands for in `module show` and `module load|reload`. */
  readonly provides?: readonly ProvidedModule[];
  /** Modules that must have started before this one; the host checks they come earlier in the list. */
  readonly dependsOn?: readonly string[];
  /** The configuration this module reads (for `module show` and config honesty checks). */
  readonly configFiles?: readonly ConfigUse[];
  /** Methods, option tags and event packages this module implements. */
  readonly capabilities?: SipCapabilities;
  /** Names of the bus events this module emits; emitting any other is a programming error. */
  readonly emits?: readonly string[];
  start(ctx: C): void | Promise<void>;
  /** Once every module has started. */
  ready?(ctx: C): void | Promise<void>;
  /** `core reload`: the configuration in the context is already the new one. */
  reload?(ctx: C): void | Promise<void>;
  /** Releases what `start` acquired and did not hand to `ctx.defer`. Called at most once. */
  stop?(): void | Promise<void>;
}

/** Throws the programming error for a module's service read before the module started. */
export function started<T>(value: T | undefined, module: string, what: string): T {
  if (value === undefined) throw new InvalidStateError(`module '${module}' has not started: its ${what} is not available yet (check the module order)`);
  return value;
}
