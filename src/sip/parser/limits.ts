/**
 * Size limits and the result type of `parseMessage`. The limits bound the work one datagram can
 * cost us; RFC 3261 §18.1.1 caps UDP messages at the IP maximum and the header limits keep a
 * flood of tiny headers from building huge arrays.
 */
import type { Headers } from "../message/headers.js";
import type { SipMessage } from "../message/message.js";

export interface ParseLimits {
  /** Whole message, head and body. */
  maxMessageBytes: number;
  /** Number of header fields (after unfolding). */
  maxHeaders: number;
  /** Start line plus all header lines. */
  maxHeaderBytes: number;
  /** One physical line. */
  maxLineBytes: number;
}

export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxMessageBytes: 65535,
  maxHeaders: 128,
  maxHeaderBytes: 16384,
  maxLineBytes: 8192,
});

export type ParseResult =
  | { ok: true; message: SipMessage }
  | {
      ok: false;
      reason: string;
      /** Headers read so far, so the caller can answer 400 if Via/From/To/Call-ID/CSeq are readable. */
      headers?: Headers;
      isRequest?: boolean;
      method?: string;
    };
