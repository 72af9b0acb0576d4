/**
 * Asterisk's module commands on Switchboard's built-in modules: `module show [like <text>]`
 * lists them under the Asterisk names whose job they do (res_pjsip.so, chan_pjsip.so,
 * res_srtp.so …) in Asterisk's layout; `module load` of one of them answers as Asterisk does
 * for a module already running; `module reload [<name> …]` reloads. Nothing can be unloaded:
 * every module is compiled in, and `module unload` says so.
 *
 * `module reload <name>` re-reads every configuration file and reloads every module, as
 * `core reload` does, then answers with Asterisk's line for that name: Switchboard's modules
 * share one configuration snapshot, so reloading one alone could leave the others reading a
 * configuration they have not applied.
 */
import type { CommandRegistrar } from "../core/commands.js";
import { CliFailure, CliUsageError } from "../core/commands.js";
import type { Logger } from "../core/logger.js";
import type { ModuleRow } from "../core/module-host.js";

export interface ModuleCommandsDeps {
  rows(): ModuleRow[];
  /** The module host's reload (every module, config first). */
  reloadAll(): Promise<void>;
  /** Lines of category `loader`, as Asterisk's loader.c logs them. */
  log: Logger;
}

/** Asterisk's MODLIST_FORMAT: `%-30s %-40.40s %-10d %-11s %13s`. */
function modlistRow(name: string, description: string, useCount: string, status: string, support: string): string {
  return `${name.padEnd(30)} ${description.slice(0, 40).padEnd(40)} ${useCount.padEnd(10)} ${status.padEnd(11)} ${support.padStart(13)}`;
}

/** Asterisk accepts a module's name with or without `.so`. */
function find(rows: readonly ModuleRow[], name: string): ModuleRow | undefined {
  const bare = name.replace(/\.so$/i, "").toLowerCase();
  return rows.find((r) => r.name.replace(/\.so$/i, "").toLowerCase() === bare);
}

export function registerModuleCommands(registry: CommandRegistrar, deps: ModuleCommandsDeps): () => void {
  let reloading = false;
  const names = (word: string) =>
    deps
      .rows()
      .map((r) => r.name)
      .filter((n) => n.startsWith(word));
  const removers = [
    registry.register({
      command: "module show",
      summary: "List modules and info",
      usage: "Usage: module show [like keyword]\n       Shows Switchboard modules currently in use, and usage statistics.\n",
      complete: ({ args, word }) => (args.length === 0 ? ["like"].filter((w) => w.startsWith(word)) : []),
      handler: ({ args }) => {
        let like: string | undefined;
        if (args.length === 2 && args[0]?.toLowerCase() === "like") like = args[1]?.toLowerCase();
        else if (args.length !== 0) throw new CliUsageError();
        const rows = deps.rows().filter((r) => like === undefined || r.name.toLowerCase().includes(like));
        const out = [modlistRow("Module", "Description", "Use Count", "Status", "Support Level")];
        for (const r of rows) out.push(modlistRow(r.name, r.description, String(r.useCount), r.state, "core"));
        out.push(`${rows.length} modules loaded`);
        return out.join("\n") + "\n";
      },
    }),
    registry.register({
      command: "module load",
      summary: "Load a module by name",
      usage: "Usage: module load <module name>\n       Loads the specified module into Switchboard.\n",
      complete: ({ args, word }) => (args.length === 0 ? names(word) : []),
      handler: ({ args }) => {
        const name = args[0];
        if (name === undefined || args.length !== 1) throw new CliUsageError();
        const row = find(deps.rows(), name);
        const loader = deps.log.child({ category: "loader" });
        if (row?.state === "Running") loader.warn({ module: row.module }, `Module '${name}' already loaded and running.`);
        else if (row !== undefined) loader.warn({ module: row.module }, `Module '${name}' is built in and ${row.state.toLowerCase()}; it cannot be loaded on its own: restart Switchboard`);
        else loader.warn({}, `Error loading module '${name}': Switchboard has no such module; its modules are built in and listed by 'module show' (with the Asterisk names whose job they do)`);
        throw new CliFailure(`Unable to load module ${name}\n`);
      },
    }),
    registry.register({
      command: "module unload",
      summary: "Unload a module by name",
      usage: "Usage: module unload [-f|-h] <module name>\n       Unloads the specified module from Switchboard.\n",
      complete: ({ args, word }) => names(word).filter(() => args.every((a) => a.startsWith("-"))),
      handler: ({ args }) => {
        const name = args.filter((a) => !/^-[fh]$/.test(a))[0];
        if (name === undefined) throw new CliUsageError();
        const row = find(deps.rows(), name);
        deps.log
          .child({ category: "loader" })
          .warn({}, row !== undefined ? `Unload failed, '${name}' is built into Switchboard and cannot be unloaded` : `Unload failed, '${name}' could not be found`);
        throw new CliFailure(`Unable to unload resource ${name}\n`);
      },
    }),
    registry.register({
      command: "module reload",
      summary: "Reload configuration for a module",
      usage:
        "Usage: module reload [module ...]\n       Reloads configuration files for all listed modules which support it,\n       or for all modules if none are listed.\n       (Switchboard re-reads every configuration file either way.)\n",
      complete: ({ word }) => names(word),
      handler: async ({ args }) => {
        if (reloading) return "A module reload request is already in progress; please be patient\n";
        const rows = deps.rows();
        const wanted = args.map((name) => ({ name, row: find(rows, name) }));
        const reload = async (): Promise<string | undefined> => {
          reloading = true;
          try {
            await deps.reloadAll();
            return undefined;
          } catch (err) {
            return err instanceof Error ? err.message : String(err);
          } finally {
            reloading = false;
          }
        };
        if (wanted.length === 0) {
          const failed = await reload();
          if (failed !== undefined) deps.log.child({ category: "loader" }).error({}, `Reload failed: ${failed}`);
          return "";
        }
        const failed = wanted.some((w) => w.row?.reloads === true && w.row.state === "Running") ? await reload() : undefined;
        const out: string[] = [];
        for (const { name, row } of wanted) {
          if (row === undefined) out.push(`No such module '${name}'`);
          else if (!row.reloads) out.push(`The module '${name}' does not support reloads`);
          else if (row.state !== "Running") out.push(`The module '${name}' was not properly initialized. Before reloading the module, you must run "module load ${name}" and fix whatever is preventing the module from being initialized.`);
          else if (failed !== undefined) out.push(`The module '${name}' reported a reload failure`);
          else out.push(`Module '${name}' reloaded successfully.`);
        }
        if (failed !== undefined) deps.log.child({ category: "loader" }).error({}, `Reload failed: ${failed}`);
        return out.join("\n") + "\n";
      },
    }),
  ];
  return () => {
    for (const r of removers.reverse()) r();
  };
}
