/**
 * The SIP message parser (RFC 3261 §7): start line, header section, body. Header values are kept
 * as strings; Via, From, To and friends are parsed lazily by the value parsers when someone asks.
 * Untrusted bytes never make it throw: every outcome is a `ParseResult`.
 */
import { Headers, canonicalHeaderName } from "../message/headers.js";
import type { HeaderField } from "../message/headers.js";
import { SIP_VERSION, SipRequest, SipResponse } from "../message/message.js";
import type { SipMessage } from "../message/message.js";
import { CC_CR, CC_HTAB, CC_LF, CC_SP, isToken, isWsp } from "./chars.js";
import { DEFAULT_PARSE_LIMITS } from "./limits.js";
import type { ParseLimits, ParseResult } from "./limits.js";
import { parseUri } from "./uri.js";
import { parseCSeq, parseContentLength } from "./values.js";

/** Headers every request must carry (RFC 3261 §8.1.1); we do not insist on Max-Forwards. */
const MANDATORY = ["Via", "From", "To", "Call-ID", "CSeq"] as const;

/** Headers that may appear only once; a second copy makes the message ambiguous. */
const SINGLE = new Set(["From", "To", "Call-ID", "CSeq"]);

interface StartLine {
  isRequest: boolean;
  method?: string;
  uri?: string;
  status?: number;
  reason?: string;
  error?: string;
}

interface Head {
  start: StartLine;
  fields: HeaderField[];
  error?: string;
}

type Failure = Extract<ParseResult, { ok: false }>;

function fail(reason: string, head?: Head): Failure {
  const out: Failure = { ok: false, reason };
  if (head === undefined) return out;
  out.headers = new Headers(head.fields);
  if (head.start.error === undefined) {
    out.isRequest = head.start.isRequest;
    if (head.start.method !== undefined) out.method = head.start.method;
  }
  return out;
}

function equalsIgnoreCase(a: string, b: string): boolean {
  return a.length === b.length && a.toUpperCase() === b.toUpperCase();
}

/** RFC 3261 §7.1 Request-Line / §7.2 Status-Line. */
function parseStartLine(line: string): StartLine {
  const sp1 = line.indexOf(" ");
  if (sp1 <= 0) return { isRequest: true, error: "malformed start line" };
  if (line.length >= 4 && equalsIgnoreCase(line.slice(0, 4), "SIP/")) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    if (!equalsIgnoreCase(line.slice(0, sp1), SIP_VERSION)) {
      return { isRequest: false, error: `unsupported SIP version ${line.slice(0, Math.min(sp1, 16))}` };
    }
    const codeEnd = line.indexOf(" ", sp1 + 1);
    const code = line.slice(sp1 + 1, codeEnd < 0 ? line.length : codeEnd);
    let status = 0;
    if (code.length === 3) {
      for (let i = 0; i < 3; i++) {
        const c = code.charCodeAt(i);
        status = c >= 0x30 && c <= 0x39 ? status * 10 + (c - 0x30) : -1000;
      }
    }
    if (status < 100 || status > 699) return { isRequest: false, error: "malformed status code" };
    return { isRequest: false, status, reason: codeEnd < 0 ? "" : line.slice(codeEnd + 1) };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version CRLF
  const sp2 = line.lastIndexOf(" ");
  const method = line.slice(0, sp1);
  if (!isToken(method)) return { isRequest: true, error: "malformed request method" };
  if (sp2 === sp1) return { isRequest: true, method, error: "malformed request line" };
  const version = line.slice(sp2 + 1);
  if (!equalsIgnoreCase(version, SIP_VERSION)) {
    const looksSip = version.length >= 4 && equalsIgnoreCase(version.slice(0, 4), "SIP/");
    return { isRequest: true, method, error: looksSip ? "unsupported SIP version" : "malformed request line" };
  }
  const uri = line.slice(sp1 + 1, sp2);
  for (let i = 0; i < uri.length; i++) {
    if (isWsp(uri.charCodeAt(i))) return { isRequest: true, method, error: "whitespace in Request-URI" };
  }
  if (parseUri(uri) === undefined) return { isRequest: true, method, error: "invalid Request-URI" };
  return { isRequest: true, method, uri };
}

/**
 * Splits the decoded header section into the start line and unfolded fields. Bad lines are
 * skipped and remembered so the rest stays readable for a 400 answer.
 */
function parseHead(s: string, maxHeaders: number): Head {
  const nl = s.indexOf("\n");
  let startEnd = nl < 0 ? s.length : nl;
  if (startEnd > 0 && s.charCodeAt(startEnd - 1) === CC_CR) startEnd--;
  const head: Head = { start: parseStartLine(s.slice(0, startEnd)), fields: [] };
  const fields = head.fields;
  let i = nl < 0 ? s.length : nl + 1;
  while (i < s.length) {
    let e = s.indexOf("\n", i);
    if (e < 0) e = s.length;
    let lineEnd = e;
    if (lineEnd > i && s.charCodeAt(lineEnd - 1) === CC_CR) lineEnd--;
    const c0 = s.charCodeAt(i);
    if (c0 === CC_SP || c0 === CC_HTAB) {
      // RFC 3261 §7.3.1: a continuation line is folded back into one SP.
      const last = fields[fields.length - 1];
      const more = s.slice(i, lineEnd).trim();
      if (last === undefined) head.error ??= "continuation line before first header";
      else if (more.length > 0) last.value = last.value.length > 0 ? `${last.value} ${more}` : more;
    } else {
      const colon = s.indexOf(":", i);
      let nameEnd = colon;
      while (nameEnd > i && isWsp(s.charCodeAt(nameEnd - 1))) nameEnd--;
      const name = colon < 0 || colon > lineEnd ? "" : s.slice(i, nameEnd);
      if (!isToken(name)) head.error ??= "malformed header line";
      else if (fields.length >= maxHeaders) {
        head.error = `too many headers (limit ${maxHeaders})`;
        return head;
      } else fields.push({ name: canonicalHeaderName(name), value: s.slice(colon + 1, lineEnd).trim() });
    }
    i = e + 1;
  }
  return head;
}

/**
 * Parses one SIP message from a datagram or from a frame cut by `StreamFramer`. Leading CRLFs
 * are skipped: RFC 3261 §7.5 "implementations processing SIP messages over stream-oriented
 * transports MUST ignore any CRLF appearing before the start-line". Header bytes are decoded as
 * UTF-8 (invalid sequences become U+FFFD), the body stays a Buffer.
 */
export function parseMessage(buf: Buffer, limits?: Partial<ParseLimits>): ParseResult {
  try {
    return parse(buf, limits === undefined ? DEFAULT_PARSE_LIMITS : { ...DEFAULT_PARSE_LIMITS, ...limits });
  } catch {
    // Not expected: the parser is written not to throw. Keep the promise to callers anyway.
    return { ok: false, reason: "internal parser error" };
  }
}

function parse(buf: Buffer, lim: Readonly<ParseLimits>): ParseResult {
  const len = buf.length;
  let pos = 0;
  while (pos < len && (buf[pos] === CC_CR || buf[pos] === CC_LF)) pos++;
  if (pos >= len) return fail("empty message");

  // Find the empty line ending the header section, enforcing line and section limits as we go.
  let lineStart = pos;
  let headEnd = -1;
  let bodyStart = -1;
  let limitError: string | undefined;
  while (true) {
    const lf = buf.indexOf(CC_LF, lineStart);
    const lineEnd = lf < 0 ? len : lf;
    if (lineEnd - lineStart > lim.maxLineBytes) limitError = `header line exceeds ${lim.maxLineBytes} bytes`;
    else if (lineEnd - pos > lim.maxHeaderBytes) limitError = `header section exceeds ${lim.maxHeaderBytes} bytes`;
    if (limitError !== undefined) {
      headEnd = lineStart;
      break;
    }
    if (lf < 0) {
      headEnd = len;
      break;
    }
    if (buf[lf + 1] === CC_LF) {
      headEnd = lf;
      bodyStart = lf + 2;
      break;
    }
    if (buf[lf + 1] === CC_CR && buf[lf + 2] === CC_LF) {
      headEnd = lf;
      bodyStart = lf + 3;
      break;
    }
    lineStart = lf + 1;
  }

  const head = parseHead(buf.toString("utf8", pos, headEnd), lim.maxHeaders);
  if (limitError !== undefined) return fail(limitError, head);
  if (head.error?.startsWith("too many")) return fail(head.error, head);
  if (len > lim.maxMessageBytes) return fail(`message exceeds ${lim.maxMessageBytes} bytes`, head);
  if (head.start.error !== undefined) return fail(head.start.error, head);
  if (bodyStart < 0) return fail("no empty line after header section", head);
  if (buf.subarray(pos, headEnd).indexOf(0) >= 0) return fail("NUL byte in header section", head);
  if (head.error !== undefined) return fail(head.error, head);

  // One pass collects what validation needs instead of one Headers lookup per name.
  const first = new Map<string, string>();
  let contentLength: number | undefined;
  for (const f of head.fields) {
    if (f.name === "Content-Length") {
      const n = parseContentLength(f.value);
      if (n === undefined) return fail("invalid Content-Length", head);
      if (contentLength !== undefined && n !== contentLength) return fail("conflicting Content-Length headers", head);
      contentLength = n;
    } else if (first.has(f.name)) {
      if (SINGLE.has(f.name)) return fail(`multiple ${f.name} headers`, head);
    } else first.set(f.name, f.value);
  }
  for (const name of MANDATORY) {
    const v = first.get(name);
    if (v === undefined || v.length === 0) return fail(`missing ${name} header`, head);
  }
  const cseq = parseCSeq(first.get("CSeq") ?? "");
  if (cseq === undefined) return fail("invalid CSeq", head);
  const start = head.start;
  if (start.isRequest && cseq.method !== start.method) return fail("CSeq method does not match request method", head);

  // On a datagram the body is what follows the empty line, cut to Content-Length when that is
  // smaller; RFC 3261 §18.3 "if the transport is UDP ... MUST be discarded" applies when larger.
  const available = len - bodyStart;
  if (contentLength !== undefined && contentLength > available) return fail("Content-Length larger than body", head);
  const body = buf.subarray(bodyStart, bodyStart + (contentLength ?? available));

  const headers = new Headers(head.fields);
  let message: SipMessage;
  if (start.isRequest) message = new SipRequest(start.method ?? "", start.uri ?? "", headers, body, SIP_VERSION);
  else message = new SipResponse(start.status ?? 0, start.reason ?? "", headers, body, SIP_VERSION);
  return { ok: true, message };
}
