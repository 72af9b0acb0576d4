/**
 * `switchboard check`: loads the configuration, adds the trap warnings, and renders every
 * diagnostic compiler-style followed by a one-line summary.
 */
import { formatDiagnostic, type Diagnostic } from "../diagnostic.js";
import { describeSource, loadConfiguration, type ConfigSource, type LoadedConfig } from "../load-configuration.js";
import { checkTraps } from "./traps.js";

export interface CheckReport {
  readonly text: string;
  readonly errors: number;
  readonly warnings: number;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Checks that need layers above config (the dialplan compiled against the application registry);
 * the caller passes them in so config never imports pbx. Their diagnostics are merged, sorted and
 * counted like the rest.
 */
export type ExtraCheck = (cfg: LoadedConfig) => readonly Diagnostic[];

export function runCheck(source: ConfigSource, extraCheck?: ExtraCheck): CheckReport {
  const cfg = loadConfiguration(source);
  // Group by file (in reading order), then by line, so the report reads top to bottom.
  const fileOrder = (f: string): number => {
    const i = cfg.files.findIndex((path) => path === f || path.endsWith(`/${f}`));
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  const all = [...cfg.diagnostics, ...checkTraps(cfg), ...(extraCheck?.(cfg) ?? [])]
    .map((d, i) => ({ d, i }))
    .sort((a, b) => fileOrder(a.d.file) - fileOrder(b.d.file) || a.d.line - b.d.line || a.i - b.i)
    .map((x) => x.d);
  const errors = all.filter((d) => d.severity === "error").length;
  const warnings = all.length - errors;
  const lines = all.map(formatDiagnostic);
  const p = cfg.pjsip;
  lines.push(
    `${plural(errors, "error")}, ${plural(warnings, "warning")} in ${plural(cfg.files.length, "file")} from ${describeSource(source)} ` +
      `(${plural(p.transports.length, "transport")}, ${plural(p.endpoints.size, "endpoint")}, ${plural(p.aors.size, "aor")}, ` +
      `${plural(p.auths.size, "auth")}, ${p.identifies.length} identify)`,
  );
  return { text: `${lines.join("\n")}\n`, errors, warnings };
}
