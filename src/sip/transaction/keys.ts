/**
 * Transaction matching keys.
 *
 * Server side (§17.2.3): with an RFC 3261 branch (magic cookie `z9hG4bK`), a request matches a
 * transaction by branch, sent-by of the top Via, and method — "except for ACK, where the method
 * of the request that created the transaction is INVITE". Requests from RFC 2543 peers (no
 * cookie) fall back to Call-ID, CSeq number, From tag and sent-by.
 *
 * Client side (§17.1.3): the response's top Via branch plus the CSeq method.
 */
import type { SipMessage } from "../message/message.js";
import { cseqOf, parseNameAddr, topViaOf } from "../parser/index.js";

const MAGIC = "z9hG4bK";

function methodForKey(method: string): string {
  return method === "ACK" ? "INVITE" : method;
}

export function serverKey(msg: SipMessage, overrideMethod?: string): string | undefined {
  const via = topViaOf(msg);
  const cseq = cseqOf(msg);
  if (!via || !cseq) return undefined;
  const method = overrideMethod ?? methodForKey(msg.kind === "request" ? msg.method : cseq.method);
  const sentBy = `${via.host}:${via.port ?? 5060}`;
  const branch = via.params.get("branch");
  // A branch that is the magic cookie alone carries no transaction id (RFC 4475 §3.2.1
  // `badbranch`): such requests would all share one key, so they fall back to RFC 2543 matching.
  if (branch && branch.length > MAGIC.length && branch.startsWith(MAGIC)) return `${branch}|${sentBy}|${method}`;
  const from = msg.headers.get("From");
  const fromTag = from === undefined ? "" : (parseNameAddr(from)?.params.get("tag") ?? "");
  return `2543|${msg.headers.get("Call-ID") ?? ""}|${cseq.seq}|${fromTag}|${sentBy}|${method}`;
}

export function clientKey(msg: SipMessage): string | undefined {
  const branch = topViaOf(msg)?.params.get("branch");
  const cseq = cseqOf(msg);
  if (!cseq || !branch) return undefined;
  return `${branch}|${cseq.method}`;
}
