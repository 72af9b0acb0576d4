/** The `dialplan show` and `dialplan reload` console commands, registered by the dialplan itself. */
import { completeFrom, type CommandRegistrar } from "../../core/commands.js";
import { renderDialplanShow } from "./show.js";
import type { Dialplan } from "./types.js";

export interface DialplanCommandDeps {
  dialplan: () => Dialplan;
  /** Re-reads extensions.conf, swaps the dialplan in and returns the text to print. */
  reload: () => Promise<string>;
}

/** Registers the commands; returns the matching unregister. */
export function registerDialplanCommands(registry: CommandRegistrar, deps: DialplanCommandDeps): () => void {
  const undo = [
    registry.register({
      command: "dialplan show",
      usage: "Usage: dialplan show [[exten@]context]\n       Show dialplan",
      summary: "Show dialplan",
      handler: (ctx) => renderDialplanShow(deps.dialplan(), (ctx.args[0] ?? "").trim()),
      complete: (ctx) => {
        if (ctx.args.length > 0) return [];
        const at = ctx.word.indexOf("@");
        const names = [...deps.dialplan().contexts.keys()];
        if (at < 0) return completeFrom(names, ctx.word);
        const prefix = ctx.word.slice(0, at + 1);
        return completeFrom(names, ctx.word.slice(at + 1)).map((n) => prefix + n);
      },
    }),
    registry.register({
      command: "dialplan reload",
      usage: "Usage: dialplan reload\n       Reload extensions.conf and only extensions.conf. (Rather than a full module reload)",
      summary: "Reload extensions and *only* extensions",
      handler: async () => {
        const text = await deps.reload();
        return text.endsWith("\n") || text.length === 0 ? text : text + "\n";
      },
    }),
  ];
  return () => {
    for (const u of undo.reverse()) u();
  };
}
