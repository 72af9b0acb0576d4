/**
 * Endpoint identification, in the order of `[global] endpoint_identifier_order` (default
 * ip,username,anonymous), each method allowed only if the endpoint's `identify_by` lists it:
 * - ip: an `identify` section whose `match` contains the source address;
 * - username: the user part of the From URI names the endpoint;
 * - header: an identify section's `match_header` (Name: value or /regex/) is in the request;
 * - auth_username: the digest username of the Authorization header belongs to the endpoint's auth;
 * - anonymous: the endpoint named `anonymous`, when pjsip.conf has one (Asterisk's
 *   res_pjsip_endpoint_identifier_anonymous; not subject to identify_by). Its calls never reach
 *   a trunk (pbx/toll-fraud) unless it authenticates.
 * Nothing matched: the request continues with the artificial endpoint, which challenges like a
 * real one and never accepts credentials, so accounts cannot be enumerated. Like Asterisk's
 * distributor, an unidentified request (other than OPTIONS, CANCEL, ACK) raises InvalidAccountID
 * and logs the NOTICE "… - No matching endpoint found" here, once per request, with or without
 * credentials; the guard counts these to catch extension enumeration.
 */
import { systemClock, type Clock } from "../../../core/clock.js";
import type { SecurityEventStream } from "../../../security/events.js";
import { parseAuth, parseNameAddr, parseUri, unescapeUser } from "../../../sip/parser/index.js";
import type { EndpointDirectory } from "../../endpoint/directory.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";
import { securityEvent } from "../security-event.js";
import { logFailedRequest } from "../failed-request.js";

/** Requests that never name an account: no InvalidAccountID for them. */
const NOT_ACCOUNT_REQUESTS = new Set(["OPTIONS", "CANCEL", "ACK"]);

export interface IdentifyEventOptions {
  events: SecurityEventStream;
  clock?: Clock;
}

export class IdentifyStage implements PipelineStage {
  readonly name = "identify";

  constructor(
    private readonly directory: () => EndpointDirectory,
    private readonly order: () => readonly string[],
    /** Where to publish InvalidAccountID; without it the authenticate stage reports it. */
    private readonly security?: IdentifyEventOptions,
    /** line=yes registrations: the endpoint a Request-URI `line` parameter belongs to. */
    private readonly lines?: (token: string) => string | undefined,
  ) {}

  run(ctx: RequestContext): StageResult {
    const dir = this.directory();
    // A Request-URI `line` token of one of our registrations is the most specific match there is:
    // the provider calls the Contact we registered with it.
    const line = this.lines ? lineParam(ctx.req.uri) : undefined;
    const lineEp = line !== undefined ? this.lines?.(line) : undefined;
    const byLine = lineEp !== undefined ? dir.endpoint(lineEp) : undefined;
    if (byLine) {
      ctx.endpoint = byLine;
      ctx.identifiedBy = "line";
      return "continue";
    }
    const order = this.order();
    for (const method of order) {
      if (method === "anonymous") continue;
      const ep = this.identifyBy(method, ctx, dir);
      if (ep && (ep.identifyBy as readonly string[]).includes(method)) {
        ctx.endpoint = ep;
        ctx.identifiedBy = method;
        return "continue";
      }
    }
    // Identifiers the global order does not list run after the listed ones, as in Asterisk
    // (header, auth_username); the anonymous endpoint is the last resort.
    for (const method of ["header", "auth_username"]) {
      if (order.includes(method)) continue;
      const ep = this.identifyBy(method, ctx, dir);
      if (ep && (ep.identifyBy as readonly string[]).includes(method)) {
        ctx.endpoint = ep;
        ctx.identifiedBy = method;
        return "continue";
      }
    }
    const anonymous = order.includes("anonymous") ? dir.endpoint("anonymous") : undefined;
    if (anonymous) {
      ctx.endpoint = anonymous;
      ctx.identifiedBy = "anonymous";
      return "continue";
    }
    if (NOT_ACCOUNT_REQUESTS.has(ctx.req.method)) return "continue";
    const username = claimedAccount(ctx);
    logFailedRequest(ctx.log, ctx, "No matching endpoint found", { username, why: "no matching endpoint" });
    if (this.security) {
      this.security.events.publish(securityEvent(ctx, "InvalidAccountID", { username, reason: "no matching endpoint" }, (this.security.clock ?? systemClock).now()));
      ctx.invalidAccountReported = true;
    }
    return "continue";
  }

  private identifyBy(method: string, ctx: RequestContext, dir: EndpointDirectory) {
    switch (method) {
      case "ip":
        return dir.byAddress(ctx.flow.remoteAddress, ctx.flow.remotePort);
      case "username": {
        const user = (ctx.from ?? parseNameAddr(ctx.fromText))?.uri.user;
        return user !== undefined ? dir.endpoint(unescapeUser(user)) : undefined;
      }
      case "header":
        return dir.byHeader((name) => ctx.req.headers.getAll(name));
      case "auth_username": {
        const raw = ctx.req.headers.get("Authorization");
        const username = raw !== undefined ? parseAuth(raw)?.params.get("username") : undefined;
        return username !== undefined ? dir.byAuthUser(username)[0] : undefined;
      }
      default:
        return undefined;
    }
  }
}

/** The `line` parameter of a Request-URI, if it has one. */
function lineParam(uri: string): string | undefined {
  const p = parseUri(uri)?.params.get("line");
  return typeof p === "string" && p !== "" ? p : undefined;
}

/** The account an unidentified request claims: its digest username, else its From user. */
export function claimedAccount(ctx: RequestContext): string | undefined {
  const raw = ctx.req.headers.get("Authorization");
  return (raw !== undefined ? parseAuth(raw)?.params.get("username") : undefined) ?? fromUser(ctx);
}

function fromUser(ctx: RequestContext): string | undefined {
  const user = (ctx.from ?? parseNameAddr(ctx.fromText))?.uri.user;
  return user !== undefined ? unescapeUser(user) : undefined;
}

