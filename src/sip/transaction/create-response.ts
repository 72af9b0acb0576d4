/**
 * Builds a response to a request per RFC 3261 §8.2.6.2: Via, From, Call-ID and CSeq copied,
 * To copied with a tag added when the request had none.
 */
import { Headers } from "../message/headers.js";
import { newTag } from "../message/identifiers.js";
import { SipRequest, SipResponse, reasonPhrase } from "../message/message.js";

// Re-exported: transaction-layer code that builds a response also needs a tag now and then.
export { newBranch, newTag } from "../message/identifiers.js";

/** True when the To/From header value already carries a `tag` parameter outside the URI. */
export function hasTag(headerValue: string): boolean {
  const close = headerValue.lastIndexOf(">");
  const params = close >= 0 ? headerValue.slice(close + 1) : headerValue;
  return /;\s*tag\s*=/i.test(params);
}

export function createResponse(
  req: SipRequest,
  status: number,
  reason: string = reasonPhrase(status),
  toTag?: string,
): SipResponse {
  const h = new Headers();
  // RFC 3261 §8.2.6.2: "The Via header field values in the response MUST equal the Via header
  // field values in the request and MUST maintain the same ordering."
  for (const f of req.headers.fields) if (f.name === "Via") h.append("Via", f.value);
  const from = req.headers.get("From");
  if (from !== undefined) h.append("From", from);
  const to = req.headers.get("To");
  if (to !== undefined) {
    // "…if a request contained a To tag in the request, the To header field in the response MUST
    // equal that of the request. However, if the To header field in the request did not contain
    // a tag, the URI in the To header field in the response MUST equal the URI in the To header
    // field; additionally, the UAS MUST add a tag to the To header field in the response"
    // (100 Trying excepted, §8.2.6.1).
    h.append("To", status > 100 && !hasTag(to) ? `${to};tag=${toTag ?? newTag()}` : to);
  }
  const callId = req.headers.get("Call-ID");
  if (callId !== undefined) h.append("Call-ID", callId);
  const cseq = req.headers.get("CSeq");
  if (cseq !== undefined) h.append("CSeq", cseq);
  return new SipResponse(status, reason, h);
}
