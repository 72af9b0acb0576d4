/**
 * The SIP message parser (RFC 3261 §7): start line, header section, body. Header values are kept
 * as strings; Via, From, To and friends are parsed lazily by the value parsers when someone asks.
 * Untrusted bytes never make it throw: every outcome is a `ParseResult`.
 */
import { Headers, canonicalHeaderName } from "../message/headers.js";
import type { HeaderField } from "../message/headers.js";
import { SIP_VERSION, SipRequest, SipResponse } from "../message/message.js";
import type { SipMessage } from "../message/message.js";
import { CC_BACKSLASH, CC_CR, CC_HTAB, CC_LF, CC_QUOTE, CC_SP, isToken, isWsp, skipQuoted } from "./chars.js";
import { DEFAULT_PARSE_LIMITS } from "./limits.js";
import type { ParseLimits, ParseResult } from "./limits.js";
import { parseUri } from "./uri.js";
import { parseCSeq, parseContentLength } from "./values.js";

/** Headers every request must carry (RFC 3261 §8.1.1); we do not insist on Max-Forwards. */
const MANDATORY = ["Via", "From", "To", "Call-ID", "CSeq"] as const;

/**
 * One bit per mandatory header. All but Via may appear only once: a second From, To, Call-ID or
 * CSeq makes the message ambiguous (RFC 4475 §3.1.2.19 expects such a request to be refused).
 */
const MANDATORY_BIT = new Map<string, number>([
  ["Via", 1],
  ["From", 2],
  ["To", 4],
  ["Call-ID", 8],
  ["CSeq", 16],
]);
const VIA_BIT = 1;
const ALL_BITS = 31;

const CRLFCRLF = Buffer.from("\r\n\r\n");

/**
 * Headers whose grammar uses quoted-strings. An unterminated quote in one of them makes every
 * later parse of the value fail, so it is cheaper and clearer to refuse the message here
 * (one `indexOf` per value) than to have the dialog layer discover it.
 */
const QUOTED_GRAMMAR = new Set([
  "Via",
  "From",
  "To",
  "Contact",
  "Route",
  "Record-Route",
  "Authorization",
  "Proxy-Authorization",
  "WWW-Authenticate",
  "Proxy-Authenticate",
]);

/** False when a quoted-string in the value is not closed. */
function quotesClosed(v: string): boolean {
  let i = v.indexOf('"');
  while (i >= 0) {
    const end = skipQuoted(v, i);
    if (end < 0) return false;
    i = v.indexOf('"', end);
  }
  return true;
}

/**
 * RFC 3261 §25.1 allows NUL only as the escaped character of a quoted-pair
 * (`quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)`), as in the To display name of RFC 4475
 * §3.1.1.2 `intmeth`. Called only when the header section holds a NUL. A quoted-string ends at a
 * line end unless the line is folded.
 */
function nulsOnlyInQuotedPairs(s: string): boolean {
  let inQuote = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return false;
    if (c === CC_LF) {
      const next = s.charCodeAt(i + 1);
      if (next !== CC_SP && next !== CC_HTAB) inQuote = false;
    } else if (c === CC_QUOTE) inQuote = !inQuote;
    else if (c === CC_BACKSLASH && inQuote) i++;
  }
  return true;
}

/**
 * `s.slice(start, end)` without the ASCII whitespace and controls around it. Not
 * `String.prototype.trim`: that also drops U+FEFF, U+00A0 and the other Unicode spaces, which are
 * content in SIP (LWS is SP / HTAB / CRLF only; RFC 4475 §3.1.1.2 `intmeth` has a header value
 * that starts with U+FEFF).
 */
function sliceTrim(s: string, start: number, end: number): string {
  while (start < end && s.charCodeAt(start) <= CC_SP) start++;
  while (end > start && s.charCodeAt(end - 1) <= CC_SP) end--;
  return s.slice(start, end);
}

interface StartLine {
  /** Known once the line is recognisably a request (valid method) or a status line. */
  isRequest?: boolean;
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
  /** Set when parsing stopped early (header count limit), so the head is incomplete. */
  truncated?: boolean;
  /** Set when an empty line was met: the header section ends before the text given. */
  blankLine?: boolean;
  hasNul?: boolean;
}

type Failure = Extract<ParseResult, { ok: false }>;

function fail(reason: string, head?: Head): Failure {
  const out: Failure = { ok: false, reason };
  if (head === undefined) return out;
  out.headers = new Headers(head.fields);
  if (head.start.isRequest !== undefined) out.isRequest = head.start.isRequest;
  if (head.start.method !== undefined) out.method = head.start.method;
  return out;
}

/** ASCII case-insensitive comparison of `a` with an upper-case literal, without allocating. */
function equalsIgnoreCase(a: string, upper: string): boolean {
  if (a.length !== upper.length) return false;
  for (let i = 0; i < a.length; i++) {
    let c = a.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    if (c !== upper.charCodeAt(i)) return false;
  }
  return true;
}

/** RFC 3261 §7.1 Request-Line / §7.2 Status-Line. */
function parseStartLine(line: string): StartLine {
  const sp1 = line.indexOf(" ");
  if (sp1 <= 0) return { error: "malformed start line" };
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
  if (!isToken(method)) return { error: "malformed request method" };
  if (sp2 === sp1) return { isRequest: true, method, error: "malformed request line" };
  const version = line.slice(sp2 + 1);
  if (!equalsIgnoreCase(version, SIP_VERSION)) {
    const looksSip = version.length >= 4 && equalsIgnoreCase(version.slice(0, 4), "SIP/");
    return { isRequest: true, method, error: looksSip ? "unsupported SIP version" : "malformed request line" };
  }
  const uri = line.slice(sp1 + 1, sp2);
  for (let i = 0; i < uri.length; i++) {
    // Controls count too: a stray CR would otherwise be trimmed away here and come back as a
    // space when the message is forwarded.
    if (uri.charCodeAt(i) <= CC_SP) return { isRequest: true, method, error: "whitespace in Request-URI" };
  }
  // Headers in a Request-URI (RFC 3261 §19.1.1 does not allow them) are accepted and left for
  // the layers above to ignore: RFC 4475 §3.1.2.11 `escruri` permits both that and a 400.
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
  if (s.indexOf("\u0000") >= 0 && !nulsOnlyInQuotedPairs(s)) head.hasNul = true;
  const fields = head.fields;
  let i = nl < 0 ? s.length : nl + 1;
  while (i < s.length) {
    let e = s.indexOf("\n", i);
    if (e < 0) e = s.length;
    let lineEnd = e;
    if (lineEnd > i && s.charCodeAt(lineEnd - 1) === CC_CR) lineEnd--;
    if (lineEnd === i) {
      head.blankLine = true;
      return head;
    }
    const c0 = s.charCodeAt(i);
    if (c0 === CC_SP || c0 === CC_HTAB) {
      // RFC 3261 §7.3.1: a continuation line is folded back into one SP.
      const last = fields[fields.length - 1];
      const more = sliceTrim(s, i, lineEnd);
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
        head.truncated = true;
        return head;
      } else fields.push({ name: canonicalHeaderName(name), value: sliceTrim(s, colon + 1, lineEnd) });
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

  let head: Head | undefined;
  let headEnd = -1;
  let bodyStart = -1;
  let limitError: string | undefined;
  // Fast path: a CRLF-terminated head shorter than one line limit. If the text before the first
  // CRLFCRLF holds an empty line of the bare-LF kind, the head really ends there: take the slow path.
  const dbl = buf.indexOf(CRLFCRLF, pos);
  if (dbl >= 0 && dbl - pos <= lim.maxHeaderBytes && dbl - pos <= lim.maxLineBytes) {
    const h = parseHead(buf.toString("utf8", pos, dbl), lim.maxHeaders);
    if (h.blankLine !== true) {
      head = h;
      headEnd = dbl;
      bodyStart = dbl + 4;
    }
  }
  if (head === undefined) {
    // Slow path: walk line by line to the empty line, enforcing line and section limits in bytes.
    let lineStart = pos;
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
    head = parseHead(buf.toString("utf8", pos, headEnd), lim.maxHeaders);
  }
  if (head.truncated === true && head.error !== undefined) return fail(head.error, head);
  if (limitError !== undefined) return fail(limitError, head);
  if (len > lim.maxMessageBytes) return fail(`message exceeds ${lim.maxMessageBytes} bytes`, head);
  if (head.start.error !== undefined) return fail(head.start.error, head);
  if (bodyStart < 0) return fail("no empty line after header section", head);
  if (head.hasNul === true) return fail("NUL byte in header section", head);
  if (head.error !== undefined) return fail(head.error, head);

  // One pass collects what validation needs instead of one Headers lookup per name; a bit per
  // mandatory header records that a non-empty value was seen.
  let seen = 0;
  let cseqValue = "";
  let contentLength: number | undefined;
  for (const f of head.fields) {
    const name = f.name;
    if (QUOTED_GRAMMAR.has(name) && f.value.indexOf('"') >= 0 && !quotesClosed(f.value)) {
      return fail(`unterminated quoted string in ${name} header`, head);
    }
    if (name === "Content-Length") {
      const n = parseContentLength(f.value);
      if (n === undefined) return fail("invalid Content-Length", head);
      if (contentLength !== undefined && n !== contentLength) return fail("conflicting Content-Length headers", head);
      contentLength = n;
      continue;
    }
    const bit = MANDATORY_BIT.get(name);
    if (bit === undefined || f.value.length === 0) continue;
    if ((seen & bit) !== 0 && bit !== VIA_BIT) return fail(`multiple ${name} headers`, head);
    seen |= bit;
    if (name === "CSeq") cseqValue = f.value;
  }
  if (seen !== ALL_BITS) {
    for (const name of MANDATORY) if ((seen & (MANDATORY_BIT.get(name) ?? 0)) === 0) return fail(`missing ${name} header`, head);
  }
  const cseq = parseCSeq(cseqValue);
  if (cseq === undefined) return fail("invalid CSeq", head);
  const start = head.start;
  if (start.isRequest && cseq.method !== start.method) return fail("CSeq method does not match request method", head);

  // RFC 3261 §18.3: "if the message has a Content-Length header field, the message body is
  // assumed to contain that many bytes. Any additional bytes in the transport packet beyond the
  // end of the body MUST be discarded." and "If the transport packet ends before the end of the
  // message body, this is considered an error."
  const available = len - bodyStart;
  if (contentLength !== undefined && contentLength > available) return fail("Content-Length larger than body", head);
  const body = buf.subarray(bodyStart, bodyStart + (contentLength ?? available));

  const headers = new Headers(head.fields);
  let message: SipMessage;
  if (start.isRequest) message = new SipRequest(start.method ?? "", start.uri ?? "", headers, body, SIP_VERSION);
  else message = new SipResponse(start.status ?? 0, start.reason ?? "", headers, body, SIP_VERSION);
  return { ok: true, message };
}
