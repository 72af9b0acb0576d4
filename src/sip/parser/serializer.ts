/**
 * The SIP message serializer (RFC 3261 §7): start line, headers with canonical names, a
 * Content-Length that always matches the body, CRLF line ends.
 */
import { canonicalHeaderName } from "../message/headers.js";
import type { SipMessage } from "../message/message.js";

/**
 * A value holding CR or LF would let whoever supplied it inject header lines; fold such
 * characters to spaces so one field always stays one line.
 */
function safeValue(v: string): string {
  return v.indexOf("\r") >= 0 || v.indexOf("\n") >= 0 ? v.replace(/[\r\n]/g, " ") : v;
}

/**
 * Serializes a message into one Buffer. The Content-Length header is written with the real body
 * length, in the place of the first existing one (others dropped) or at the end. RFC 3261 §18.3:
 * "The Content-Length header field value is used to locate the end of each SIP message in a
 * stream. It will always be present when SIP messages are sent over stream-oriented transports."
 */
export function serializeMessage(msg: SipMessage): Buffer {
  let head =
    msg.kind === "request"
      ? `${msg.method} ${safeValue(msg.uri)} ${msg.version}\r\n`
      : `${msg.version} ${msg.status} ${safeValue(msg.reason)}\r\n`;
  const bodyLength = msg.body.length;
  let wroteLength = false;
  for (const f of msg.headers.fields) {
    const name = canonicalHeaderName(f.name);
    if (name === "Content-Length") {
      if (wroteLength) continue;
      wroteLength = true;
      head += `Content-Length: ${bodyLength}\r\n`;
    } else head += `${name}: ${safeValue(f.value)}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${bodyLength}\r\n`;
  head += "\r\n";
  const headLength = Buffer.byteLength(head, "utf8");
  const out = Buffer.allocUnsafe(headLength + bodyLength);
  out.write(head, 0, "utf8");
  msg.body.copy(out, headLength);
  return out;
}
