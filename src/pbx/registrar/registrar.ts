/**
 * The registrar (RFC 3261 §10.3) with pjsip's AOR rules: `max_contacts` (0 = registration not
 * permitted), `remove_existing`, `minimum/maximum/default_expiration` with 423 Min-Expires,
 * `Contact: *` to remove every binding, and `rewrite_contact` (store the source address the
 * REGISTER came from, so phones behind NAT stay reachable).
 */
import type { Clock } from "../../core/clock.js";
import { ASTERISK_SOURCE, type Logger } from "../../core/logger.js";
import { TypedEmitter } from "../../core/emitter.js";
import { SipResponseError } from "../../core/errors.js";
import type { AorConfig, EndpointConfig } from "../../config/index.js";
import { cseqOf, formatUri, parseContactList, parseNameAddr, parseUri, topViaOf, unescapeUser } from "../../sip/parser/index.js";
import type { NameAddr } from "../../sip/message/types.js";
import { createResponse } from "../../sip/transaction/create-response.js";
import type { SipResponse } from "../../sip/message/message.js";
import type { RequestContext } from "../pipeline/request-context.js";
import type { EndpointDirectory } from "../endpoint/directory.js";
import { contactId, type ContactRecord, type ContactStore } from "./store/contact-store.js";

/** The registrar's lines Asterisk writes too, with its source file, word for word. */
const REGISTRAR_C = { [ASTERISK_SOURCE]: "res_pjsip_registrar.c" };

export interface RegistrarEvents {
  [k: string]: unknown[];
  added: [ContactRecord];
  updated: [ContactRecord];
  removed: [ContactRecord, string];
}

export interface RegistrarOptions {
  store: ContactStore;
  directory: () => EndpointDirectory;
  clock: Clock;
  log: Logger;
  respond: (ctx: RequestContext, res: SipResponse) => void;
  /** Identifies this server in contact records (pjsip `reg_server`). */
  serverId: string;
}

interface Binding {
  uri: string;
  expires: number;
  q?: number | undefined;
}

export class Registrar extends TypedEmitter<RegistrarEvents> {
  constructor(private readonly opts: RegistrarOptions) {
    super();
  }

  get store(): ContactStore {
    return this.opts.store;
  }

  /** Handles an authenticated REGISTER. */
  handle(ctx: RequestContext): void {
    const { req } = ctx;
    const ep = ctx.endpoint;
    if (!ep) throw new SipResponseError(403, "Forbidden", [], "no endpoint was identified for this REGISTER");
    const aorName = this.findAor(ctx, ep);
    const dir = this.opts.directory();
    const aor = aorName !== undefined ? dir.aors.get(aorName) : undefined;
    if (!aor || aorName === undefined) {
      const to = parseNameAddr(req.headers.get("To") ?? "")?.uri.user ?? "";
      throw new SipResponseError(404, "Not Found", [], `AOR '${to}' not found for endpoint '${ep.id}'; the To user must be one of its aors= (${ep.aors.join(",") || "none"})`);
    }
    if (aor.maxContacts === 0) {
      throw new SipResponseError(403, "Forbidden", [], `AOR '${aor.id}' has no configured max_contacts. Endpoint '${ep.id}' unable to register; set max_contacts=1 (or more) in [${aor.id}] (${aor.file}:${aor.line})`);
    }
    const contacts = parseContactList(req.headers.getAll("Contact"));
    if (!contacts) throw new SipResponseError(400, "Bad Request", [], "the Contact header could not be parsed");
    const headerExpires = parseExpiresHeader(req.headers.get("Expires"));
    const now = this.opts.clock.now();
    const current = this.opts.store.list(aor.id).filter((c) => c.expiresAt > now);

    if (contacts.star) {
      // §10.3 step 6: "*" is only valid with Expires: 0 and no other Contact.
      if (headerExpires !== 0) throw new SipResponseError(400, "Bad Request", [], "'Contact: *' is only allowed with 'Expires: 0' (RFC 3261 §10.2.2)");
      for (const c of current) this.remove(c, "request");
      this.reply(ctx, aor, []);
      return;
    }

    const bindings: Binding[] = [];
    for (const na of contacts.contacts) bindings.push(this.binding(ctx, ep, aor, na, headerExpires));
    const cseq = cseqOf(req)?.seq ?? 0;
    const callId = ctx.callId;

    const byId = new Map(current.map((c) => [c.id, c]));
    const updates: ContactRecord[] = [];
    const removals: ContactRecord[] = [];
    for (const b of bindings) {
      const id = contactId(aor.id, b.uri);
      const existing = byId.get(id);
      // §10.3 step 7: with the same Call-ID, "If the value [of CSeq] is higher than that of the
      // existing binding, it MUST update or remove the binding as above. If not, the update MUST
      // be aborted and the request fails." An equal CSeq is not higher: it is a stale copy of the
      // request that made the binding (e.g. a retransmission arriving after its transaction
      // ended), so it is refused too.
      if (existing && existing.callId === callId && cseq <= existing.cseq) {
        throw new SipResponseError(500, "Server Internal Error", [], `out-of-order REGISTER: CSeq ${cseq} is not above ${existing.cseq} for the same Call-ID (RFC 3261 §10.3 step 7)`);
      }
      if (b.expires === 0) {
        if (existing) removals.push(existing);
        continue;
      }
      updates.push(this.record(ctx, ep, aor, id, b, existing, now, callId, cseq));
    }

    const keep = current.filter((c) => !removals.includes(c) && !updates.some((u) => u.id === c.id));
    const total = keep.length + updates.length;
    const evict: ContactRecord[] = [];
    if (total > aor.maxContacts) {
      if (!aor.removeExisting) {
        throw new SipResponseError(403, "Forbidden", [], `Registration attempt from endpoint '${ep.id}' to AOR '${aor.id}' will exceed max contacts of ${aor.maxContacts}; raise max_contacts or set remove_existing=yes in [${aor.id}]`);
      }
      // remove_existing: the bindings that would expire soonest make room.
      const sorted = [...keep].sort((a, b) => a.expiresAt - b.expiresAt);
      while (keep.length - evict.length + updates.length > aor.maxContacts && sorted.length) {
        const victim = sorted.shift();
        if (victim) evict.push(victim);
      }
      if (keep.length - evict.length + updates.length > aor.maxContacts) {
        throw new SipResponseError(403, "Forbidden", [], `the REGISTER itself carries more than max_contacts=${aor.maxContacts} contacts for AOR '${aor.id}'`);
      }
    }
    for (const c of removals) this.remove(c, "request");
    for (const c of evict) this.remove(c, "remove_existing");
    for (const u of updates) {
      const existed = byId.has(u.id);
      this.opts.store.upsert(u);
      const secs = Math.round((u.expiresAt - now) / 1000);
      if (existed) {
        if (this.opts.log.wants("debug")) this.opts.log.debug({ aor: aor.id }, `Updated contact '${u.uri}' in AOR '${aor.id}' with expiration of ${secs} seconds`);
        this.emit("updated", u);
      } else {
        if (this.opts.log.wants("verbose", 3)) this.opts.log.verbose(3, REGISTRAR_C, `Added contact '${u.uri}' to AOR '${aor.id}' with expiration of ${secs} seconds`);
        this.emit("added", u);
      }
    }
    this.reply(ctx, aor, this.opts.store.list(aor.id).filter((c) => c.expiresAt > now));
  }

  /** The To user names the AOR; it must be one of the endpoint's `aors` (§10.3 step 5). */
  private findAor(ctx: RequestContext, ep: EndpointConfig): string | undefined {
    const to = ctx.to ?? parseNameAddr(ctx.req.headers.get("To") ?? "");
    const user = to?.uri.user !== undefined ? unescapeUser(to.uri.user) : undefined;
    if (user !== undefined && ep.aors.includes(user)) return user;
    if (ctx.authUsername !== undefined && ep.identifyBy.includes("auth_username") && ep.aors.includes(ctx.authUsername)) return ctx.authUsername;
    // A single-AOR endpoint registering as itself under another To user is still refused,
    // as Asterisk does: the AOR must be named.
    return undefined;
  }

  private binding(ctx: RequestContext, ep: EndpointConfig, aor: AorConfig, na: NameAddr, headerExpires: number | undefined): Binding {
    const raw = na.params.get("expires");
    let expires = raw !== undefined && raw !== null && /^\d+$/.test(raw) ? Number(raw) : (headerExpires ?? aor.defaultExpiration);
    if (expires !== 0 && expires < aor.minimumExpiration) {
      // §10.3 step 7: "If [the expiration] is less than [the minimum] ... the registrar MAY reject
      // the registration with a response of 423 (Interval Too Brief). This response MUST contain
      // a Min-Expires header field".
      throw new SipResponseError(423, "Interval Too Brief", [["Min-Expires", String(aor.minimumExpiration)]], `Expires ${expires} is below minimum_expiration=${aor.minimumExpiration} of AOR '${aor.id}'`);
    }
    if (expires > aor.maximumExpiration) expires = aor.maximumExpiration;
    const scheme = na.uri.scheme.toLowerCase();
    if (scheme !== "sip" && scheme !== "sips") {
      // A binding must be reachable over SIP; tel: or http: contacts would be dialled as garbage.
      throw new SipResponseError(400, "Bad Request", [], `Contact scheme '${scheme.slice(0, 10)}:' cannot be registered; use a sip: or sips: URI`);
    }
    let uri = formatUri(na.uri);
    if (ep.rewriteContact) uri = rewriteToSource(uri, ctx);
    const q = na.params.get("q");
    return { uri, expires, q: q ? Number(q) : undefined };
  }

  private record(
    ctx: RequestContext,
    ep: EndpointConfig,
    aor: AorConfig,
    id: string,
    b: Binding,
    existing: ContactRecord | undefined,
    now: number,
    callId: string,
    cseq: number,
  ): ContactRecord {
    const topVia = topViaOf(ctx.req);
    const rec: ContactRecord = {
      id,
      aor: aor.id,
      uri: b.uri,
      expiresAt: now + b.expires * 1000,
      endpoint: ep.id,
      userAgent: ctx.userAgent.slice(0, 255),
      viaAddr: topVia?.host ?? "",
      viaPort: topVia?.port ?? 5060,
      callId,
      cseq,
      path: ctx.req.headers.getAll("Path").join(","),
      regServer: this.opts.serverId,
      sourceAddress: ctx.flow.remoteAddress,
      sourcePort: ctx.flow.remotePort,
      transport: ctx.flow.transport.protocol,
      createdAt: existing?.createdAt ?? now,
    };
    if (b.q !== undefined && Number.isFinite(b.q)) rec.qValue = b.q;
    return rec;
  }

  remove(c: ContactRecord, why: string): void {
    this.opts.store.remove(c.id);
    if (this.opts.log.wants("verbose", 3)) this.opts.log.verbose(3, REGISTRAR_C, `Removed contact '${c.uri}' from AOR '${c.aor}' due to ${why}`);
    this.emit("removed", c, why);
  }

  /** Removes expired bindings; called periodically (`contact_expiration_check_interval`). */
  expire(): number {
    const gone = this.opts.store.removeExpired(this.opts.clock.now());
    for (const c of gone) {
      if (this.opts.log.wants("verbose", 3)) this.opts.log.verbose(3, { ...REGISTRAR_C, endpoint: c.endpoint }, `Removed contact '${c.uri}' from AOR '${c.aor}' due to expiration`);
      this.emit("removed", c, "expiration");
    }
    return gone.length;
  }

  /** §10.3 step 8: the 200 lists every current binding with its remaining lifetime. */
  private reply(ctx: RequestContext, aor: AorConfig, bindings: ContactRecord[]): void {
    const res = createResponse(ctx.req, 200);
    const now = this.opts.clock.now();
    for (const c of bindings) {
      res.headers.append("Contact", `<${c.uri}>;expires=${Math.max(0, Math.round((c.expiresAt - now) / 1000))}`);
    }
    res.headers.append("Date", new Date(now).toUTCString());
    void aor;
    this.opts.respond(ctx, res);
  }
}

function parseExpiresHeader(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  return /^\d{1,10}$/.test(t) ? Math.min(Number(t), 2 ** 32 - 1) : undefined;
}


/**
 * rewrite_contact: the Contact's host and port become the packet source, and its `transport`
 * parameter names the transport the REGISTER came over. Over UDP, the default transport of a
 * sip: URI, the parameter is dropped (as Asterisk does), so `;transport=udp` contacts are stored
 * and listed without it; TCP contacts get `transport=tcp`.
 */
export function rewriteToSource(uri: string, ctx: RequestContext): string {
  const u = parseUri(uri);
  if (!u) return uri;
  u.host = ctx.flow.remoteAddress;
  u.port = ctx.flow.remotePort;
  const proto = ctx.flow.transport.protocol;
  if (proto === "udp") u.params.delete("transport");
  else u.params.set("transport", proto);
  return formatUri(u);
}
