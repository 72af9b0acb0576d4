/**
 * Runs an ordered list of modules (core/module.ts): starts them in list order, unwinds on a
 * failed start, calls `ready` once all have started, reloads them in order, stops them in
 * reverse order exactly once, and answers which SIP capabilities the loaded modules add.
 *
 * The list is the order: the host checks it (unique names, every dependency earlier in the
 * list) instead of sorting it, so reading the list in server.ts tells the start order.
 */
import type { Clock } from "./clock.js";
import type { CliCommand, CommandRegistrar } from "./commands.js";
import { InvalidStateError, PbxError } from "./errors.js";
import type { Logger } from "./logger.js";
import { CapabilitySet } from "./module-capabilities.js";
import type { ModuleContext, PbxModule, Registrar } from "./module.js";

/** One row of `module show`: an Asterisk module a Switchboard module provides, or the module itself. */
export interface ModuleRow {
  name: string;
  description: string;
  useCount: number;
  state: ModuleState;
  /** `module reload <name>` does something. */
  reloads: boolean;
  /** The Switchboard module behind the row. */
  module: string;
}

/** Module states, named as `module show` prints them. */
export type ModuleState = "Not Running" | "Starting" | "Running" | "Stopping" | "Stopped" | "Failed";

export interface ModuleHostOptions<C extends ModuleContext> {
  modules: ReadonlyArray<PbxModule<C>>;
  /** The root logger handed to modules; the host's own lines use category `core`. */
  log: Logger;
  clock: Clock;
  /** The console command registry the modules' scoped registrars write into. */
  commands: CommandRegistrar;
  dataDir: string;
  configDir: string | undefined;
  /** Builds a module's context from the base one by adding the layer's services. */
  extend(base: ModuleContext, module: PbxModule<C>): C;
}

export interface ModuleDump {
  name: string;
  state: ModuleState;
  dependsOn: readonly string[];
  configFiles: readonly string[];
  emits: readonly string[];
  /** What the module registered while it runs: kind (`command`, `application` …) → names. */
  registered: Record<string, string[]>;
}

interface Entry<C extends ModuleContext> {
  readonly module: PbxModule<C>;
  state: ModuleState;
  ctx: C | undefined;
  undo: Array<() => void | Promise<void>>;
  registered: Map<string, string[]>;
}

export class ModuleHost<C extends ModuleContext> {
  /** The union of every module's declared capabilities. */
  readonly capabilities: CapabilitySet;
  private readonly entries: Array<Entry<C>>;
  private readonly log: Logger;
  private phase: "new" | "starting" | "running" | "stopping" | "stopped" = "new";
  private stopping: Promise<void> | undefined;
  /** Resolves when a running start() has left its loop (stop() waits for it). */
  private startSettled: Promise<void> = Promise.resolve();
  private reloading: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: ModuleHostOptions<C>) {
    this.log = opts.log.child({ category: "core" });
    const seen = new Set<string>();
    for (const m of opts.modules) {
      if (seen.has(m.name)) throw new PbxError("INVALID_ARGUMENT", `module '${m.name}' is listed twice`);
      for (const d of m.dependsOn ?? []) {
        if (seen.has(d)) continue;
        const later = opts.modules.some((x) => x.name === d);
        throw new PbxError(
          "INVALID_ARGUMENT",
          later ? `module '${m.name}' depends on '${d}', which comes after it in the module list; move '${d}' up` : `module '${m.name}' depends on '${d}', which is not in the module list`,
        );
      }
      seen.add(m.name);
    }
    this.entries = opts.modules.map((module) => ({ module, state: "Not Running", ctx: undefined, undo: [], registered: new Map() }));
    this.capabilities = CapabilitySet.of(opts.modules.map((m) => m.capabilities));
  }

  /**
   * Starts every module in order, then calls `ready`; on any failure stops what started and
   * rethrows. A `stop()` during `start()` lets the module being started finish, then stops the
   * started ones in reverse order; `start()` then resolves without starting the rest.
   */
  async start(): Promise<void> {
    if (this.phase !== "new") throw new InvalidStateError(`the module host was already started (${this.phase})`);
    this.phase = "starting";
    let settle: () => void = () => {};
    this.startSettled = new Promise<void>((r) => (settle = r));
    let failure: { err: unknown } | undefined;
    try {
      for (const e of this.entries) {
        if (this.stopping) break;
        e.state = "Starting";
        e.ctx = this.contextFor(e);
        try {
          await e.module.start(e.ctx);
          e.state = "Running";
        } catch (err) {
          // The failed module's own registrations are undone; its stop() is not called, since it
          // never finished starting. Then everything before it stops in reverse order.
          await this.runUndo(e);
          e.state = "Failed";
          failure = { err };
          break;
        }
      }
      if (!failure && !this.stopping) {
        // Every module has started: a console that connects in a ready hook may already reload.
        this.phase = "running";
        for (const e of this.entries) {
          if (this.stopping) break;
          if (e.state !== "Running" || !e.module.ready || !e.ctx) continue;
          try {
            await e.module.ready(e.ctx);
          } catch (err) {
            failure = { err };
            break;
          }
        }
      }
    } finally {
      settle();
    }
    if (failure) {
      await this.stop();
      throw failure.err;
    }
  }

  /**
   * Reloads the running modules in list order. A module whose reload throws ends the reload
   * there (the modules after it keep their state) and the error goes to the caller: the config
   * module refuses an unreadable file this way before any other module sees it.
   */
  reload(): Promise<void> {
    const run = async () => {
      if (this.phase !== "running") throw new InvalidStateError(`cannot reload: the modules are ${this.phase === "new" ? "not started" : this.phase}`);
      for (const e of this.entries) {
        if (e.state === "Running" && e.module.reload && e.ctx) await e.module.reload(e.ctx);
      }
    };
    const next = this.reloading.then(run, run);
    this.reloading = next.catch(() => {});
    return next;
  }

  /** Stops the running modules in reverse order; safe to call twice (same promise). */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.startSettled;
      this.phase = "stopping";
      for (const e of [...this.entries].reverse()) {
        if (e.state !== "Running") continue;
        e.state = "Stopping";
        await this.runUndo(e);
        try {
          await e.module.stop?.();
        } catch (err) {
          this.log.error({ err: String(err), module: e.module.name }, "error during shutdown");
        }
        e.state = "Stopped";
      }
      this.phase = "stopped";
    })();
    return this.stopping;
  }

  /** The rows of `module show`, sorted by name as Asterisk lists them. */
  rows(): ModuleRow[] {
    const out: ModuleRow[] = [];
    for (const e of this.entries) {
      const m = e.module;
      const own = m.reload !== undefined;
      const provided = m.provides ?? [{ name: m.name, description: m.description ?? m.name }];
      for (const p of provided) {
        let useCount = 0;
        try {
          useCount = e.state === "Running" ? (p.useCount?.() ?? 0) : 0;
        } catch {
          useCount = 0;
        }
        out.push({ name: p.name, description: p.description, useCount, state: e.state, reloads: p.reloads ?? own, module: m.name });
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  state(name: string): ModuleState | undefined {
    return this.entries.find((e) => e.module.name === name)?.state;
  }

  /** Every module in list order with its state and what it registered. */
  dump(): ModuleDump[] {
    return this.entries.map((e) => ({
      name: e.module.name,
      state: e.state,
      dependsOn: e.module.dependsOn ?? [],
      configFiles: (e.module.configFiles ?? []).map((c) => (c.objectTypes?.length ? `${c.file} (${c.objectTypes.join(", ")})` : c.file)),
      emits: e.module.emits ?? [],
      registered: Object.fromEntries([...e.registered].map(([k, v]) => [k, [...v].sort()])),
    }));
  }

  private async runUndo(e: Entry<C>): Promise<void> {
    for (const fn of e.undo.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        this.log.error({ err: String(err), module: e.module.name }, "error during shutdown");
      }
    }
    e.registered.clear();
  }

  private contextFor(e: Entry<C>): C {
    const defer = (fn: () => void | Promise<void>): void => {
      if (e.state !== "Starting" && e.state !== "Running") throw new InvalidStateError(`module '${e.module.name}' registered a cleanup while ${e.state}`);
      e.undo.push(fn);
    };
    const adopt = <T>(kind: string, target: Registrar<T>, nameOf: (item: T) => string): Registrar<T> => ({
      register: (item: T) => {
        const name = nameOf(item);
        const remove = target.register(item);
        const names = e.registered.get(kind) ?? [];
        names.push(name);
        e.registered.set(kind, names);
        let done = false;
        const undo = () => {
          if (done) return;
          done = true;
          remove();
          const list = e.registered.get(kind);
          const i = list?.indexOf(name) ?? -1;
          if (list && i >= 0) list.splice(i, 1);
        };
        defer(undo);
        return undo;
      },
    });
    const base: ModuleContext = {
      module: e.module.name,
      log: this.opts.log,
      clock: this.opts.clock,
      dataDir: this.opts.dataDir,
      configDir: this.opts.configDir,
      commands: adopt<CliCommand>("command", this.opts.commands, (c) => c.command),
      capabilities: this.capabilities,
      defer,
      adopt,
    };
    return this.opts.extend(base, e.module);
  }
}
