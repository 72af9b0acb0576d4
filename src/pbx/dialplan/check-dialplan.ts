/**
 * The dialplan half of `switchboard check`: compiles extensions.conf exactly as the running server
 * does, against the real application registry, so an unknown application, a bad line or an
 * extension that can never start shows up before any call reaches it. Lives in the pbx layer
 * because the config layer may not know about applications (STYLE.md §1).
 */
import type { Diagnostic } from "../../config/diagnostic.js";
import type { ParsedConfig } from "../../config/ini/types.js";
import { createCoreAppRegistry, type AppRegistry } from "../apps/index.js";
import { compileDialplan, withGenerated } from "./compile.js";
import type { Dialplan } from "./types.js";

/**
 * Extensions without a priority 1: a call always enters an extension at priority 1, so one that
 * starts at 2 (typically a first line written `exten => 905,n,…`, where `n` continues the
 * previous extension's numbering) is never run.
 */
function missingFirstPriority(dialplan: Dialplan): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const ctx of dialplan.contexts.values()) {
    for (const ext of ctx.extensions) {
      const first = ext.priorities[0];
      // Hint-only extensions have no priorities on purpose.
      if (first === undefined || first.priority === 1) continue;
      out.push({
        severity: "warning",
        file: first.file,
        line: first.line,
        message:
          `Extension '${ext.name}' in '${ctx.name}' has no priority 1 (it starts at ${first.priority}), so calls to it never run; ` +
          `number its first line 1 (line ${first.line} of ${first.file})`,
      });
    }
  }
  return out;
}

/**
 * Compiles `parsed` (extensions.conf) and the dialplan text features make (`generated`: the
 * parking lots' extensions) with `apps` (by default every application the server's
 * modules register: see pbx/check-apps.ts) and returns every diagnostic: the compiler's own,
 * then one per extension missing priority 1.
 */
export function checkDialplan(parsed: ParsedConfig, apps: AppRegistry = createCoreAppRegistry(), generated: readonly string[] = []): Diagnostic[] {
  const compiled = compileDialplan(withGenerated(parsed, generated), { isKnownApp: (name) => apps.has(name) });
  return [...compiled.diagnostics, ...missingFirstPriority(compiled.dialplan)];
}
