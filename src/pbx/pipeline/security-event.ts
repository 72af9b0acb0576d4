/** Builds a security event from a request context. */
import type { SecurityEvent, SecurityEventType } from "../../security/events.js";
import type { RequestContext } from "./request-context.js";

export function securityEvent(
  ctx: RequestContext,
  type: SecurityEventType,
  /** `accountId` replaces the default (the endpoint, else the digest username, else `<unknown>`). */
  extra: Partial<Pick<SecurityEvent, "accountId" | "username" | "reason" | "response" | "expectedResponse" | "challenge" | "artificial">>,
  /** Event time, ms since the epoch: from the injected clock, so tests and the log agree. */
  now: number = Date.now(),
): SecurityEvent {
  const proto = ctx.flow.transport.protocol.toUpperCase();
  const ev: SecurityEvent = {
    type,
    time: now,
    service: "PJSIP",
    accountId: ctx.endpoint?.id ?? extra.username ?? "<unknown>",
    sessionId: ctx.callId,
    local: { transport: proto, address: ctx.flow.transport.localAddress, port: ctx.flow.transport.localPort },
    remote: { transport: proto, address: ctx.flow.remoteAddress, port: ctx.flow.remotePort },
    method: ctx.req.method,
    userAgent: ctx.userAgent,
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) (ev as unknown as Record<string, unknown>)[k] = v;
  return ev;
}
