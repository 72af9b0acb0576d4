/**
 * Cuts a byte stream (TCP, TLS) into SIP messages (RFC 3261 §18.3) and RFC 5626 keepalives.
 *
 *   idle ──first non-CRLF byte──▶ head ──empty line, Content-Length read──▶ body
 *    ▲  └─CRLFCRLF─▶ {keepalive}                                              │
 *    └──────────────────────── {message} when Content-Length bytes are in ◀──┘
 *
 * Bytes live in one growable buffer; scanning resumes where the previous push stopped, so each
 * byte is looked at a bounded number of times however the stream is chunked.
 */
import { DEFAULT_PARSE_LIMITS } from "./limits.js";
import { parseContentLength } from "./values.js";

export type FramerOutput = { message: Buffer } | { keepalive: true } | { error: string };

export interface StreamFramerOptions {
  /** Bytes kept for an incomplete message before the stream is declared hostile (default 128 KiB). */
  maxBufferedBytes?: number;
  /** Start line plus header section (default 16 KiB, as `DEFAULT_PARSE_LIMITS`). */
  maxHeaderBytes?: number;
  /** Whole message (default 65535 bytes, as `DEFAULT_PARSE_LIMITS`). */
  maxMessageBytes?: number;
}

type FramerState = "idle" | "head" | "body" | "failed";

const CR = 0x0d;
const LF = 0x0a;

/**
 * Reads Content-Length from a header section (latin1-decoded; only ASCII matters here).
 * RFC 3261 §18.3: on stream transports Content-Length "MUST be used"; a missing header is read
 * as 0 so a bodiless message from a sloppy peer still frames.
 */
export function headContentLength(head: string): number | string {
  let found: number | undefined;
  const lines = head.split("\n");
  for (let k = 1; k < lines.length; k++) {
    const line = lines[k] ?? "";
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const c0 = line.charCodeAt(0);
    if (c0 !== 0x43 && c0 !== 0x63 && c0 !== 0x4c && c0 !== 0x6c) continue; // C, c, L, l
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name !== "content-length" && name !== "l") continue;
    const n = parseContentLength(line.slice(colon + 1));
    if (n === undefined) return "invalid Content-Length";
    if (found !== undefined && found !== n) return "conflicting Content-Length headers";
    found = n;
  }
  return found ?? 0;
}

/** Frames SIP messages out of a stream; one instance per connection. */
export class StreamFramer {
  private buf: Buffer = Buffer.allocUnsafe(4096);
  private start = 0;
  private end = 0;
  private state: FramerState = "idle";
  /** Progress through a CRLFCRLF ping while idle: 0, CR, CRLF, CRLFCR. */
  private crlf = 0;
  /** Where the search for the empty line resumes, and the line-end state there. */
  private scan = 0;
  private eol = 0;
  /** Length of the message being completed, once its head is known. */
  private need = 0;
  private readonly maxBuffered: number;
  private readonly maxHeader: number;
  private readonly maxMessage: number;
  /**
   * Bytes the head scan has looked at and bytes moved to grow or compact the buffer, since
   * creation. Both stay within a small multiple of the bytes pushed however the stream is
   * chunked; the tests check that instead of timing the framer.
   */
  readonly work = { scanned: 0, moved: 0 };

  constructor(opts: StreamFramerOptions = {}) {
    this.maxBuffered = opts.maxBufferedBytes ?? 128 * 1024;
    this.maxHeader = opts.maxHeaderBytes ?? DEFAULT_PARSE_LIMITS.maxHeaderBytes;
    this.maxMessage = opts.maxMessageBytes ?? DEFAULT_PARSE_LIMITS.maxMessageBytes;
  }

  /** Bytes held for a message not yet complete. */
  get bufferedBytes(): number {
    return this.end - this.start;
  }

  /** Feeds bytes; returns every message and keepalive they complete, or one error (then stop). */
  push(chunk: Buffer): FramerOutput[] {
    const out: FramerOutput[] = [];
    if (this.state === "failed" || chunk.length === 0) return out;
    this.append(chunk);
    for (;;) {
      if (this.state === "idle" && !this.skipIdle(out)) break;
      if (this.state === "head") {
        const headEnd = this.scanHead();
        if (headEnd < 0) {
          if (this.end - this.start > this.maxHeader) return this.fail(out, `header section exceeds ${this.maxHeader} bytes`);
          break;
        }
        const cl = headContentLength(this.buf.toString("latin1", this.start, headEnd));
        if (typeof cl === "string") return this.fail(out, cl);
        this.need = headEnd - this.start + cl;
        if (this.need > this.maxMessage) return this.fail(out, `message exceeds ${this.maxMessage} bytes`);
        this.state = "body";
      }
      if (this.state === "body") {
        if (this.end - this.start < this.need) break;
        out.push({ message: Buffer.from(this.buf.subarray(this.start, this.start + this.need)) });
        this.start += this.need;
        this.state = "idle";
        this.crlf = 0;
      }
    }
    if (this.start === this.end) {
      this.start = this.end = 0;
      // Do not keep a large buffer alive for an idle connection after one burst.
      if (this.buf.length > 65536) this.buf = Buffer.allocUnsafe(4096);
    }
    if (this.end - this.start > this.maxBuffered) return this.fail(out, `more than ${this.maxBuffered} bytes buffered`);
    return out;
  }

  /**
   * Skips CRLFs between messages, reporting each CRLFCRLF. RFC 5626 §3.5.1: "the client
   * periodically sends a double-CRLF (the 'ping') then waits to receive a single CRLF (the
   * 'pong')". Returns true when a message starts.
   */
  private skipIdle(out: FramerOutput[]): boolean {
    const buf = this.buf;
    while (this.start < this.end) {
      const b = buf[this.start];
      if (b === CR) this.crlf = this.crlf === 2 ? 3 : 1;
      else if (b === LF) {
        if (this.crlf === 3) out.push({ keepalive: true });
        this.crlf = this.crlf === 1 ? 2 : 0;
      } else {
        this.state = "head";
        this.crlf = 0;
        this.scan = this.start;
        this.eol = 0;
        return true;
      }
      this.start++;
    }
    return false;
  }

  /** Finds the end of the empty line after the headers (LF LF or LF CR LF); -1 if not yet in. */
  private scanHead(): number {
    const buf = this.buf;
    let i = this.scan;
    let st = this.eol;
    while (i < this.end) {
      if (st === 0) {
        const lf = buf.subarray(i, this.end).indexOf(LF);
        if (lf < 0) {
          this.work.scanned += this.end - i;
          i = this.end;
          break;
        }
        this.work.scanned += lf + 1;
        i += lf + 1;
        st = 1;
        continue;
      }
      this.work.scanned++;
      const b = buf[i];
      if (b === LF) return i + 1;
      if (b === CR && st === 1) {
        st = 2;
        i++;
      } else st = 0;
    }
    this.scan = i;
    this.eol = st;
    return -1;
  }

  private append(chunk: Buffer): void {
    const used = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      this.work.moved += used;
      if (used + chunk.length <= this.buf.length / 2) {
        // Room enough once the consumed prefix is dropped: slide the live bytes down. At least
        // half a buffer of input arrives between two slides, so copying stays amortised O(1).
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        let size = this.buf.length * 2;
        while (size < used + chunk.length) size *= 2;
        const next = Buffer.allocUnsafe(size);
        this.buf.copy(next, 0, this.start, this.end);
        this.buf = next;
      }
      this.scan -= this.start;
      this.end = used;
      this.start = 0;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }

  private fail(out: FramerOutput[], error: string): FramerOutput[] {
    this.state = "failed";
    this.buf = Buffer.alloc(0);
    this.start = this.end = this.scan = 0;
    out.push({ error });
    return out;
  }
}
