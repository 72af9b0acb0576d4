/**
 * The Contact rule for requests that create a dialog (RFC 3261 §8.1.1.8): "the Contact header
 * field MUST be present and contain exactly one SIP or SIPS URI in any request that can result in
 * the establishment of a dialog." Without it the UAS has no remote target (§12.1.1) and would
 * send its BYE and re-INVITEs to the Request-URI, which is our own address.
 *
 * Pure: the UAS session refuses to be built for such an INVITE (400), and the PBX may check it
 * earlier, before it allocates media for the call.
 */
import type { SipRequest } from "../message/message.js";
import { parseNameAddr } from "../parser/index.js";

/** Why a dialog-creating request cannot be accepted: the reason phrase and the log's words. */
export interface DialogContactProblem {
  status: 400;
  reason: string;
  detail: string;
}

/** Undefined when the request carries exactly one usable `sip:`/`sips:` Contact. */
export function dialogContactProblem(req: SipRequest): DialogContactProblem | undefined {
  const values = req.headers.getAll("Contact").map((v) => v.trim()).filter((v) => v.length > 0);
  const what = `${req.method} that creates a dialog`;
  if (values.length === 0) return { status: 400, reason: "Missing Contact header", detail: `the ${what} has no Contact (RFC 3261 §8.1.1.8)` };
  if (values.length > 1) return bad(`the ${what} has ${values.length} Contact values; exactly one SIP or SIPS URI is required (RFC 3261 §8.1.1.8)`);
  const value = values[0] ?? "";
  if (value === "*") return bad(`the ${what} has Contact "*", which only a REGISTER may carry (RFC 3261 §10.2.2)`);
  const na = parseNameAddr(value);
  if (!na) return bad(`the ${what} has a Contact that does not parse`);
  const scheme = na.uri.scheme.toLowerCase();
  if (scheme !== "sip" && scheme !== "sips") return bad(`the ${what} has a ${scheme.slice(0, 16)}: Contact; a SIP or SIPS URI is required (RFC 3261 §8.1.1.8)`);
  if (!na.uri.host) return bad(`the ${what} has a Contact without a host`);
  return undefined;
}

function bad(detail: string): DialogContactProblem {
  return { status: 400, reason: "Invalid Contact header", detail };
}
