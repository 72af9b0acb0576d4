/**
 * Endpoint ACLs: `permit`/`deny` on the request's source address and `contact_permit`/
 * `contact_deny` on the addresses in its Contact headers — and the named ACLs (acl.conf) its
 * `acl=` and `contact_acl=` list, each of which must allow the address too — checked once the endpoint is identified
 * and before it is challenged, as Asterisk's distributor does:
 *
 *   source refused   → 403 Forbidden + NOTICE "Not match Endpoint ACL"          FailedACL (ACLName
 *                                                                               not_match_endpoint_acl)
 *   a Contact refused→ 403 Forbidden + NOTICE "Not match Endpoint Contact ACL"  FailedACL (ACLName
 *                                                                               not_match_endpoint_contact_acl)
 *
 * An ACL is its rules in file order; the last rule whose network holds the address decides, and
 * no rule matching allows (Asterisk's ast_apply_ha). The artificial endpoint has no ACL, and an
 * ACK is never answered. With a contact ACL, a Contact whose host is a name (it could resolve to
 * anything) or that cannot be parsed is refused: only addresses can be checked.
 */
import { systemClock, type Clock } from "../../../core/clock.js";
import { canonicalIp, networkContains, parseNetwork, type IpNetwork } from "../../../core/ip.js";
import type { Logger } from "../../../core/logger.js";
import type { AclRule } from "../../../config/schema/options.js";
import { namedAclsAllow } from "../../../config/acl/load-acl.js";
import type { SecurityEventStream } from "../../../security/events.js";
import type { SipResponse } from "../../../sip/message/message.js";
import { parseContactList } from "../../../sip/parser/index.js";
import { createResponse } from "../../../sip/transaction/create-response.js";
import { logFailedRequest } from "../failed-request.js";
import type { PipelineStage, RequestContext, StageResult } from "../request-context.js";
import { securityEvent } from "../security-event.js";

export interface EndpointAclOptions {
  events: SecurityEventStream;
  /** acl.conf's named ACLs, which endpoints' acl= and contact_acl= name; none when omitted. */
  namedAcls?: () => ReadonlyMap<string, readonly AclRule[]>;
  log: Logger;
  respond: (ctx: RequestContext, res: SipResponse) => void;
  clock?: Clock;
}

/** Rules compiled to networks once per rule list (the list object changes only on reload). */
const compiled = new WeakMap<readonly AclRule[], Array<{ permit: boolean; net: IpNetwork }>>();

function compile(rules: readonly AclRule[]): Array<{ permit: boolean; net: IpNetwork }> {
  let out = compiled.get(rules);
  if (out === undefined) {
    out = [];
    for (const r of rules) {
      const net = parseNetwork(`${r.network.address}/${r.network.prefixLength}`);
      if (net !== undefined) out.push({ permit: r.sense === "permit", net });
    }
    compiled.set(rules, out);
  }
  return out;
}

/** Asterisk's ACL rule: the last matching rule decides; none matching allows. */
export function aclAllows(rules: readonly AclRule[], address: string): boolean {
  let allow = true;
  for (const r of compile(rules)) if (networkContains(r.net, address)) allow = r.permit;
  return allow;
}

export class EndpointAclStage implements PipelineStage {
  readonly name = "acl";

  constructor(private readonly opts: EndpointAclOptions) {}

  run(ctx: RequestContext): StageResult {
    const ep = ctx.endpoint;
    if (ep === undefined || (ep.permit.length === 0 && ep.contactPermit.length === 0 && ep.acl.length === 0 && ep.contactAcl.length === 0)) return "continue";
    const named = this.opts.namedAcls?.() ?? new Map<string, readonly AclRule[]>();
    const passes = (own: readonly AclRule[], names: readonly string[], address: string): boolean => aclAllows(own, address) && namedAclsAllow(names, named, (rules) => aclAllows(rules, address));
    if (!passes(ep.permit, ep.acl, ctx.flow.remoteAddress)) return this.refuse(ctx, "Not match Endpoint ACL", "not_match_endpoint_acl");
    if (ep.contactPermit.length > 0 || ep.contactAcl.length > 0) {
      const headers = ctx.req.headers.getAll("Contact");
      const list = parseContactList(headers);
      if (list === undefined && headers.length > 0) return this.refuse(ctx, "Not match Endpoint Contact ACL", "not_match_endpoint_contact_acl", "its Contact header cannot be parsed, and the endpoint has a contact ACL");
      const contacts = list !== undefined && !list.star ? list.contacts : [];
      for (const c of contacts) {
        // A host name could resolve to anything: with a contact ACL, only addresses can be checked, so only addresses are let in.
        const address = canonicalIp(c.uri.host);
        if (address === undefined) return this.refuse(ctx, "Not match Endpoint Contact ACL", "not_match_endpoint_contact_acl", `its Contact host '${c.uri.host}' is a name, not an address; with contact_permit/contact_deny on the endpoint, phones must give their address in Contact`);
        if (!passes(ep.contactPermit, ep.contactAcl, address)) return this.refuse(ctx, "Not match Endpoint Contact ACL", "not_match_endpoint_contact_acl");
      }
    }
    return "continue";
  }

  private refuse(ctx: RequestContext, reason: "Not match Endpoint ACL" | "Not match Endpoint Contact ACL", aclName: string, why?: string): StageResult {
    const id = ctx.endpoint?.id ?? "";
    logFailedRequest(this.opts.log, ctx, reason, {
      why: why !== undefined ? `endpoint '${id}' refuses the request: ${why}` : `endpoint '${id}' does not permit this ${reason.includes("Contact") ? "Contact address (contact_permit/contact_deny" : "source address (permit/deny"} on the endpoint)`,
    });
    this.opts.events.publish(securityEvent(ctx, "FailedACL", { reason: aclName }, (this.opts.clock ?? systemClock).now()));
    if (ctx.req.method !== "ACK") this.opts.respond(ctx, createResponse(ctx.req, 403));
    return "done";
  }
}
