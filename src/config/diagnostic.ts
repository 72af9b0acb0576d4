/**
 * Configuration diagnostics: every user mistake found while reading .conf files becomes one of
 * these instead of an exception, so a single `switchboard check` run can show all of them.
 */

export type DiagnosticSeverity = "error" | "warning";

/** One finding about a configuration file, pointing at the line that causes it. */
export interface Diagnostic {
  readonly severity: DiagnosticSeverity;
  /** File name as it was read (relative to the configuration directory when possible). */
  readonly file: string;
  /** 1-based line number; 0 when the finding is about the file as a whole. */
  readonly line: number;
  readonly message: string;
}

/** Collects diagnostics in the order they are found. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  error(file: string, line: number, message: string): void {
    this.items.push({ severity: "error", file, line, message });
  }

  warning(file: string, line: number, message: string): void {
    this.items.push({ severity: "warning", file, line, message });
  }

  addAll(list: readonly Diagnostic[]): void {
    for (const d of list) this.items.push(d);
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === "error").length;
  }
}

/**
 * Renders a diagnostic the way compilers do, so editors can jump to it:
 * `pjsip.conf:12: error: [1001] endpoint: media_encryption=yes is not valid; use no, sdes or dtls`.
 */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}` : d.file;
  return `${where}: ${d.severity}: ${d.message}`;
}

/** `a`, `a or b`, `a, b or c`: how option choices are listed in messages. */
export function joinChoices(values: readonly string[], conjunction = "or"): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} ${conjunction} ${values[values.length - 1] ?? ""}`;
}
