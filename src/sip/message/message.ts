/**
 * SIP requests and responses (RFC 3261 §7). Header values stay strings; parsed views of the
 * transaction-critical headers (top Via, CSeq) are computed once, on first use, by
 * `../parser/views.ts` and kept in `views`.
 */
import { Headers } from "./headers.js";
import type { MessageViews } from "./types.js";

export const SIP_VERSION = "SIP/2.0";

export class SipRequest {
  readonly kind = "request" as const;
  readonly views: MessageViews = {};
  constructor(
    public method: string,
    /** The Request-URI, raw. */
    public uri: string,
    public headers: Headers = new Headers(),
    public body: Buffer = EMPTY_BODY,
    public version: string = SIP_VERSION,
  ) {}
}

export class SipResponse {
  readonly kind = "response" as const;
  readonly views: MessageViews = {};
  constructor(
    public status: number,
    public reason: string,
    public headers: Headers = new Headers(),
    public body: Buffer = EMPTY_BODY,
    public version: string = SIP_VERSION,
  ) {}
}

export type SipMessage = SipRequest | SipResponse;

export const EMPTY_BODY: Buffer = Buffer.alloc(0);

/** RFC 3261 §21 reason phrases for the codes we send. */
export const REASON_PHRASES: Record<number, string> = {
  100: "Trying",
  180: "Ringing",
  181: "Call Is Being Forwarded",
  182: "Queued",
  183: "Session Progress",
  200: "OK",
  202: "Accepted",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  413: "Request Entity Too Large",
  414: "Request-URI Too Long",
  415: "Unsupported Media Type",
  416: "Unsupported URI Scheme",
  420: "Bad Extension",
  421: "Extension Required",
  423: "Interval Too Brief",
  480: "Temporarily Unavailable",
  481: "Call/Transaction Does Not Exist",
  482: "Loop Detected",
  483: "Too Many Hops",
  484: "Address Incomplete",
  486: "Busy Here",
  487: "Request Terminated",
  488: "Not Acceptable Here",
  491: "Request Pending",
  500: "Server Internal Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Server Time-out",
  505: "Version Not Supported",
  513: "Message Too Large",
  600: "Busy Everywhere",
  603: "Decline",
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? "Unknown";
}
