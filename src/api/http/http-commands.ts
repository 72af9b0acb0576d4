/**
 * `http show status`, in Asterisk's layout (main/http.c): the prefix, the Server name, where
 * the server is bound (or "Server Disabled"), where HTTPS is, every registered URI and the
 * redirects.
 */
import type { CliCommand } from "../../core/commands.js";

export interface HttpStatusView {
  prefix(): string;
  serverName(): string;
  /** `127.0.0.1:8088`, or undefined when not listening. */
  bound(): string | undefined;
  /** Where HTTPS listens, or undefined. */
  tlsBound?(): string | undefined;
  uris(): ReadonlyArray<{ uri: string; subtree: boolean; description: string }>;
}

export function httpShowStatusText(v: HttpStatusView): string {
  const lines = ["HTTP Server Status:", `Prefix: ${v.prefix()}`, `Server: ${v.serverName()}`];
  const bound = v.bound();
  lines.push(bound === undefined ? "Server Disabled" : `Server Enabled and Bound to ${bound}`, "");
  const tls = v.tlsBound?.();
  if (bound !== undefined && tls !== undefined) lines.push(`HTTPS Server Enabled and Bound to ${tls}`, "");
  lines.push("Enabled URI's:");
  const uris = v.uris();
  if (uris.length === 0) lines.push("None.");
  for (const u of uris) lines.push(`${v.prefix()}/${u.uri}${u.subtree ? "/..." : ""} => ${u.description}`);
  lines.push("", "Enabled Redirects:", "  None.");
  return lines.join("\n") + "\n";
}

export function httpShowStatus(v: HttpStatusView): CliCommand {
  return {
    command: "http show status",
    usage: "Usage: http show status\n       Lists status of internal HTTP engine\n",
    summary: "Display HTTP server status",
    handler: () => httpShowStatusText(v),
  };
}
