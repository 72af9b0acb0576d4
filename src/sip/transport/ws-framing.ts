/**
 * What one WebSocket message carries for SIP: a whole SIP message, or a keep-alive. There is no
 * stream to cut (RFC 7118 §5.1: "Each SIP message MUST be carried within a single WebSocket
 * message, and a WebSocket message MUST NOT contain more than one SIP message"), so a
 * frame is read like a datagram (the parser honours a Content-Length when one is present and
 * drops bytes beyond it, RFC 3261 §18.3).
 */
import { isUtf8 } from "node:buffer";

/** RFC 7118 puts no limit on the size; SIP over UDP tops out at 65535 bytes and so do we. */
export const MAX_WEBSOCKET_SIP_MESSAGE = 65_535;

export type WebSocketFrameContent = { message: Buffer } | { keepalive: true } | { error: string };

/**
 * A frame of only CR/LF (and spaces) is a keep-alive ping as on streams (RFC 5626 §4.4.1, which
 * some WebSocket phones send in place of WebSocket pings); anything else must be one message.
 */
export function readWebSocketFrame(data: Buffer): WebSocketFrameContent {
  if (data.length > MAX_WEBSOCKET_SIP_MESSAGE) return { error: `WebSocket message of ${data.length} bytes is larger than ${MAX_WEBSOCKET_SIP_MESSAGE}` };
  let blank = true;
  for (const b of data) {
    if (b !== 0x0d && b !== 0x0a && b !== 0x20) {
      blank = false;
      break;
    }
  }
  if (blank) return data.length === 0 ? { error: "empty WebSocket message" } : { keepalive: true };
  return { message: data };
}

/**
 * RFC 7118 §4.2: both frame types are accepted, and "if there is at least one non-UTF-8 symbol
 * in the whole SIP message ..., then the whole message MUST be sent within a WebSocket binary
 * message"; UTF-8 messages go as text frames, which browser libraries expect.
 */
export function sendsAsText(data: Buffer): boolean {
  return isUtf8(data);
}
