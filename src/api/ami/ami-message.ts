/**
 * AMI's wire format: a message is lines of `Key: Value` ended by CRLF, and an empty line ends
 * the message. Keys are case-insensitive and may repeat (`Variable:`); a client may send bare LF,
 * which Asterisk accepts too. We always write CRLF.
 *
 *   Action: Login\r\n
 *   Username: admin\r\n
 *   Secret: s3cret\r\n
 *   \r\n
 *
 * Untrusted bytes never throw: a line without a colon is kept with an empty value (Asterisk
 * ignores such a line), and an oversized message or line is reported to the caller, which closes
 * the connection.
 */

/** One field as written: the key's own spelling and its value. */
export type AmiField = readonly [key: string, value: string];

/** A field value before formatting: numbers are written in decimal, undefined fields are left out. */
export type AmiValue = string | number | boolean | undefined;

export class AmiMessage {
  constructor(readonly fields: readonly AmiField[]) {}

  /** The first value of `key` (case-insensitive), trimmed, or undefined. */
  get(key: string): string | undefined {
    const k = key.toLowerCase();
    for (const [name, value] of this.fields) if (name.toLowerCase() === k) return value;
    return undefined;
  }

  /** Every value of `key`, in order (`Variable:` may repeat). */
  getAll(key: string): string[] {
    const k = key.toLowerCase();
    return this.fields.filter(([name]) => name.toLowerCase() === k).map(([, value]) => value);
  }
}

/** A message and the reason reading stopped, for a client that sent something we will not read. */
export type FramerOutput = { messages: AmiMessage[]; overflow?: string };

/** Limits that keep a hostile client from growing our buffers without end. */
export const MAX_LINE = 8192;
export const MAX_FIELDS = 256;

/** Splits a byte stream into messages; `push` returns the messages completed by a chunk. */
export class AmiFramer {
  private pending = "";
  private fields: AmiField[] = [];

  push(chunk: string): FramerOutput {
    this.pending += chunk;
    const messages: AmiMessage[] = [];
    let start = 0;
    for (;;) {
      const nl = this.pending.indexOf("\n", start);
      if (nl < 0) break;
      const end = nl > start && this.pending.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const line = this.pending.slice(start, end);
      start = nl + 1;
      if (line.length > MAX_LINE) return { messages, overflow: `a line longer than ${MAX_LINE} bytes` };
      if (line.length === 0) {
        if (this.fields.length > 0) messages.push(new AmiMessage(this.fields));
        this.fields = [];
        continue;
      }
      const colon = line.indexOf(":");
      const key = (colon < 0 ? line : line.slice(0, colon)).trim();
      const value = colon < 0 ? "" : line.slice(colon + 1).trim();
      if (key.length > 0) this.fields.push([key, value]);
      if (this.fields.length > MAX_FIELDS) return { messages, overflow: `a message with more than ${MAX_FIELDS} lines` };
    }
    this.pending = this.pending.slice(start);
    if (this.pending.length > MAX_LINE) return { messages, overflow: `a line longer than ${MAX_LINE} bytes` };
    return { messages };
  }
}

/** A value on one line: CR and LF would end the field (and could forge another), so they become spaces. */
function oneLine(v: string): string {
  return /[\r\n]/.test(v) ? v.replace(/\r\n|[\r\n]/g, " ") : v;
}

/** Writes a message: `Key: Value` lines, CRLF, and the empty line that ends it. */
export function formatMessage(fields: Iterable<readonly [string, AmiValue]>): string {
  let out = "";
  for (const [key, value] of fields) {
    if (value === undefined) continue;
    const text = typeof value === "boolean" ? (value ? "yes" : "no") : String(value);
    out += `${key}: ${oneLine(text)}\r\n`;
  }
  return out + "\r\n";
}
