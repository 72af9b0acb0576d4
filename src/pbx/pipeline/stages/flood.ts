/**
 * Flood detection, between sanity and identify: asks the guard whether this request may go on
 * (request rate, scanner signatures, decoy accounts, (address, username) bans). A dropped
 * request gets no response at all, so a scanner learns nothing; its transaction is closed
 * quietly so it holds no memory. Whole-address bans were already enforced in the transport,
 * before parsing.
 */
import type { Guard } from "../../../security/guard.js";
import { parseAuth, parseNameAddr } from "../../../sip/parser/index.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";

function userOf(headerValue: string | undefined): string | undefined {
  if (headerValue === undefined) return undefined;
  const user = parseNameAddr(headerValue)?.uri.user;
  if (user === undefined) return undefined;
  try {
    return decodeURIComponent(user);
  } catch {
    return user;
  }
}

export class FloodStage implements PipelineStage {
  readonly name = "flood";

  constructor(private readonly guard: Guard) {}

  run(ctx: RequestContext): StageResult {
    const { req, flow } = ctx;
    const authorization = req.headers.get("Authorization") ?? req.headers.get("Proxy-Authorization");
    const verdict = this.guard.checkRequest({
      address: flow.remoteAddress,
      port: flow.remotePort,
      transport: flow.transport.protocol,
      method: req.method,
      userAgent: ctx.userAgent,
      fromUser: userOf(ctx.fromText),
      toUser: userOf(req.headers.get("To")),
      authUser: authorization !== undefined ? parseAuth(authorization)?.params.get("username") : undefined,
      callId: ctx.callId,
    });
    if (verdict === "allow") return "continue";
    ctx.tx.close();
    return "done";
  }
}
