/**
 * Q.850 hangup causes and their SIP mapping (RFC 3398 §7.2.4.1 for cause → response, §8.2.6.1
 * for response → cause), the table Asterisk also follows.
 */
export const CAUSE = {
  UNALLOCATED: 1,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  NORMAL_UNSPECIFIED: 31,
  CONGESTION: 34,
  TEMPORARY_FAILURE: 41,
  BEARERCAPABILITY_NOTAVAIL: 58,
  INTERWORKING: 127,
} as const;

/** The final response sent to a caller whose unanswered call ends with this cause. */
export function statusForCause(cause: number): { status: number; reason: string } {
  switch (cause) {
    case CAUSE.UNALLOCATED:
      return { status: 404, reason: "Not Found" };
    case CAUSE.USER_BUSY:
      return { status: 486, reason: "Busy Here" };
    case CAUSE.NO_USER_RESPONSE:
      return { status: 408, reason: "Request Timeout" };
    case CAUSE.NO_ANSWER:
    case CAUSE.SUBSCRIBER_ABSENT:
    case CAUSE.NORMAL_CLEARING:
      return { status: 480, reason: "Temporarily Unavailable" };
    case CAUSE.CALL_REJECTED:
      return { status: 403, reason: "Forbidden" };
    case CAUSE.BEARERCAPABILITY_NOTAVAIL:
      return { status: 488, reason: "Not Acceptable Here" };
    case CAUSE.CONGESTION:
    case CAUSE.TEMPORARY_FAILURE:
      return { status: 503, reason: "Service Unavailable" };
    default:
      return { status: 500, reason: "Server Internal Error" };
  }
}

/** The DIALSTATUS a failed outbound leg gives, from its final response. */
export function dialStatusForResponse(status: number): "BUSY" | "NOANSWER" | "CHANUNAVAIL" | "CONGESTION" {
  if (status === 486 || status === 600) return "BUSY";
  if (status === 408 || status === 480 || status === 487) return "NOANSWER";
  if (status === 404 || status === 410 || status === 484 || status === 604 || status === 403 || status === 603) return "CHANUNAVAIL";
  return "CONGESTION";
}

export function causeForResponse(status: number): number {
  if (status === 486 || status === 600) return CAUSE.USER_BUSY;
  if (status === 404 || status === 604) return CAUSE.UNALLOCATED;
  if (status === 408) return CAUSE.NO_USER_RESPONSE;
  if (status === 480) return CAUSE.NO_ANSWER;
  if (status === 403 || status === 603) return CAUSE.CALL_REJECTED;
  if (status === 488) return CAUSE.BEARERCAPABILITY_NOTAVAIL;
  if (status >= 500) return CAUSE.CONGESTION;
  return CAUSE.NORMAL_UNSPECIFIED;
}
