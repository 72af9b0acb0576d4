/**
 * Parsed views of the transaction-critical headers of a message (RFC 3261 §8.1.1, §17.2.3), for
 * tests that assert on parsed fixtures. Each call parses the current header string.
 */
import type { CSeq, NameAddr, Via } from "../../src/sip/message/types.js";
import type { SipMessage } from "../../src/sip/message/message.js";
import { splitHeaderList } from "../../src/sip/message/split.js";
import { parseNameAddr } from "../../src/sip/parser/name-addr.js";
import { paramValue } from "../../src/sip/parser/params.js";
import { parseContentLength, parseCSeq } from "../../src/sip/parser/values.js";
import { parseVia } from "../../src/sip/parser/via.js";

/** The first Via hop (the first value of the first Via line, which may be comma-joined). */
export function topVia(msg: SipMessage): Via | undefined {
  const line = msg.headers.get("Via");
  if (line === undefined) return undefined;
  const first = line.indexOf(",") < 0 ? line : splitHeaderList(line)[0];
  return first === undefined ? undefined : parseVia(first);
}

export function callId(msg: SipMessage): string | undefined {
  const v = msg.headers.get("Call-ID");
  return v === undefined || v.length === 0 ? undefined : v;
}

export function cseq(msg: SipMessage): CSeq | undefined {
  const v = msg.headers.get("CSeq");
  return v === undefined ? undefined : parseCSeq(v);
}

export function fromHeader(msg: SipMessage): NameAddr | undefined {
  const v = msg.headers.get("From");
  return v === undefined ? undefined : parseNameAddr(v);
}

export function toHeader(msg: SipMessage): NameAddr | undefined {
  const v = msg.headers.get("To");
  return v === undefined ? undefined : parseNameAddr(v);
}

/** The `tag` header parameter of a From/To value (RFC 3261 §19.3). */
export function tagOf(n: NameAddr | undefined): string | undefined {
  return n === undefined ? undefined : paramValue(n.params, "tag");
}

/** The branch of the top Via (RFC 3261 §17.2.3 uses it as the transaction key). */
export function viaBranch(msg: SipMessage): string | undefined {
  const via = topVia(msg);
  return via === undefined ? undefined : paramValue(via.params, "branch");
}

/**
 * The Content-Length header value; the body length when the header is absent (a parsed
 * datagram without one carries the rest of the packet), undefined when it is malformed.
 */
export function contentLength(msg: SipMessage): number | undefined {
  const v = msg.headers.get("Content-Length");
  return v === undefined ? msg.body.length : parseContentLength(v);
}
