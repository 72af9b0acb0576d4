/**
 * The control socket protocol: newline-delimited JSON frames over a unix domain socket, one
 * object per line. Requests carry an `id` that the matching reply echoes, so a client may
 * pipeline requests; log frames have no id and arrive whenever a subscribed console should
 * show a log line.
 *
 *   client → server  {"id":1,"type":"exec","line":"pjsip show contacts"}
 *                    {"id":2,"type":"complete","line":"pjsip sh"}
 *                    {"type":"subscribe-log","verbose":3} {"type":"unsubscribe-log"}
 *   server → client  {"id":1,"type":"result","ok":true,"output":"..."}
 *                    {"id":2,"type":"completions","items":["show"]}
 *                    {"type":"log","line":"[Nov 26 07:25:01] NOTICE[123] sip.registrar: ..."}
 *                    {"id":3,"type":"error","error":"unknown frame type 'foo'"}
 */

export type ClientFrame =
  | { id: number; type: "exec"; line: string }
  | { id: number; type: "complete"; line: string }
  | { type: "subscribe-log"; verbose?: number }
  | { type: "unsubscribe-log" };

export type ServerFrame =
  | { id: number; type: "result"; ok: boolean; output: string }
  | { id: number; type: "completions"; items: string[] }
  | { type: "log"; line: string }
  | { id?: number; type: "error"; error: string };

/** Longest frame either side accepts; a console line or a command's output is far smaller. */
export const MAX_CLIENT_FRAME = 64 * 1024;
/** Server frames carry command output, which can be long (`dialplan show` on a big plan). */
export const MAX_SERVER_FRAME = 64 * 1024 * 1024;

/** The socket's file name inside the data directory (Asterisk: `asterisk.ctl` in astrundir). */
export const CONTROL_SOCKET_NAME = "switchboard.ctl";

/**
 * Splits a byte stream into lines. Returns the complete lines and keeps the rest; `overflow`
 * turns true when the unfinished line grows beyond `max` characters.
 */
export class LineSplitter {
  private pending: string[] = [];
  private pendingLength = 0;
  overflow = false;

  constructor(private readonly max: number) {}

  push(chunk: string): string[] {
    // Only the new chunk is searched for a newline, so a long frame arriving in many pieces
    // costs linear time rather than re-scanning the whole buffer each time.
    if (!chunk.includes("\n")) {
      this.pending.push(chunk);
      this.pendingLength += chunk.length;
      if (this.pendingLength > this.max) this.overflow = true;
      return [];
    }
    const parts = chunk.split("\n");
    const rest = parts.pop() ?? "";
    parts[0] = this.pending.join("") + parts[0];
    this.pending = rest ? [rest] : [];
    this.pendingLength = rest.length;
    if (this.pendingLength > this.max || parts.some((l) => l.length > this.max)) this.overflow = true;
    return parts;
  }
}

/** Parses and validates one client frame; a string is the reason it was rejected. */
export function parseClientFrame(text: string): ClientFrame | { error: string; id?: number } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: "bad frame: not JSON" };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return { error: "bad frame: not an object" };
  const obj = raw as Record<string, unknown>;
  const id = typeof obj.id === "number" && Number.isSafeInteger(obj.id) ? obj.id : undefined;
  const fail = (error: string) => (id === undefined ? { error } : { error, id });
  switch (obj.type) {
    case "exec":
    case "complete":
      if (id === undefined) return fail(`bad frame: '${obj.type}' needs a numeric id`);
      if (typeof obj.line !== "string") return fail(`bad frame: '${obj.type}' needs a string line`);
      return { id, type: obj.type, line: obj.line };
    case "subscribe-log": {
      // The console's verbosity (`-rvvv` is 3); Asterisk allows far more than anyone reads.
      const v = obj.verbose;
      return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? { type: "subscribe-log", verbose: Math.min(v, 100) } : { type: "subscribe-log" };
    }
    case "unsubscribe-log":
      return { type: obj.type };
    default:
      return fail(`unknown frame type '${String(obj.type).slice(0, 40)}'`);
  }
}
