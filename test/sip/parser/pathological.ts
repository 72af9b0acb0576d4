/**
 * Inputs built to make a careless parser or framer super-linear: long runs of the characters the
 * grammars branch on (";", quoted-pairs, ",", "<", "%"), thousands of folded lines or header
 * lines, and one-line-at-a-time delivery on a stream. Shared by the tests (which use them with
 * bounds that only a quadratic blow-up can reach) and bench/sip-parse.ts (which prints the times).
 */

/** Limits out of the way, so the size of these inputs reaches the parser's loops. */
export const NO_LIMITS = { maxMessageBytes: 1 << 30, maxHeaderBytes: 1 << 30, maxLineBytes: 1 << 30, maxHeaders: 1 << 22 };

/** The same for StreamFramer. */
export const NO_FRAMER_LIMITS = { maxBufferedBytes: 1 << 30, maxHeaderBytes: 1 << 30, maxMessageBytes: 1 << 30 };

function options(extra: string): Buffer {
  const lines = ["OPTIONS sip:a@b SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bKx", "From: <sip:a@b>;tag=1", "To: <sip:a@b>", "Call-ID: c", "CSeq: 1 OPTIONS", extra, "Content-Length: 0", "", ""];
  return Buffer.from(lines.join("\r\n"), "latin1");
}

export interface PathologicalInput {
  /** A whole message carrying the pathological header. */
  message: Buffer;
  /** The header value alone, for the value parsers (parseVia, parseNameAddr, parseUri, parseAuth). */
  value: string;
}

/** Builders of about `n` bytes each, by name. */
export const PATHOLOGICAL: Record<string, (n: number) => PathologicalInput> = {
  "parameters in a Via": (n) => {
    const value = `SIP/2.0/UDP h${";a".repeat(n / 2)}`;
    return { message: options(`Via: ${value}`), value };
  },
  "quoted-pairs in a display name": (n) => {
    const value = `"${'\\"'.repeat(n / 2)}" <sip:a@b>`;
    return { message: options(`Contact: ${value}`), value };
  },
  "commas in a Contact list": (n) => {
    const value = "<sip:a@b>,".repeat(n / 10);
    return { message: options(`Contact: ${value}`), value };
  },
  "unbalanced angle brackets": (n) => {
    const value = `${"<".repeat(n / 2)}${">".repeat(n / 2)}`;
    return { message: options(`Route: ${value}`), value };
  },
  "auth parameters": (n) => {
    const value = `Digest ${"a=b,".repeat(n / 4)}`;
    return { message: options(`Authorization: ${value}`), value };
  },
  "escapes in a URI": (n) => {
    const value = `sip:${"%41".repeat(n / 3)}@b`;
    return { message: options(`X-Uri: ${value}`), value };
  },
  "folded continuation lines": (n) => ({ message: options(`X-Fold: a${"\r\n b".repeat(n / 4)}`), value: "a" }),
  "header lines": (n) => ({ message: options(`${"X: y\r\n".repeat(n / 6)}X: y`), value: "y" }),
};

/** Stream inputs for StreamFramer, with the chunk size they are delivered in. */
export const PATHOLOGICAL_STREAMS: Record<string, (n: number) => { stream: Buffer; chunk: number }> = {
  "a body in 64-byte chunks": (n) => ({ stream: Buffer.from(`MESSAGE sip:h SIP/2.0\r\nContent-Length: ${n}\r\n\r\n${"x".repeat(n)}`), chunk: 64 }),
  "one long header line in 64-byte chunks": (n) => ({ stream: Buffer.from(`MESSAGE sip:h SIP/2.0\r\nX-Long: ${"y".repeat(n)}\r\nContent-Length: 0\r\n\r\n`), chunk: 64 }),
  "many header lines in 64-byte chunks": (n) => ({ stream: Buffer.from(`MESSAGE sip:h SIP/2.0\r\n${"X: y\r\n".repeat(n / 6)}Content-Length: 0\r\n\r\n`), chunk: 64 }),
};
