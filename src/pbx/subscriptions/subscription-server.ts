/**
 * The notifier side of SIP events (RFC 6665) for the event packages modules add (MWI's
 * message-summary, RFC 3842). A SUBSCRIBE outside a dialog creates a subscription and its dialog
 * (200 with our tag, Contact and the granted Expires), then an immediate NOTIFY with the state;
 * a change of the watched resource sends a NOTIFY to every subscription on it; a refresh inside
 * the dialog renews it; `Expires: 0` ends it with a final NOTIFY (Subscription-State: terminated),
 * and so does the end of its time (reason=timeout). A NOTIFY answered 481 or not answered at all
 * ends the subscription quietly.
 *
 *   SUBSCRIBE, Event unknown          → 489 Bad Event, Allow-Events
 *   Accept without the package's type  → 406 Not Acceptable
 *   Expires below 60 (not 0)           → 423 Interval Too Brief, Min-Expires: 60
 *   resource unknown for the endpoint  → 404
 *   Expires above 3600, or absent      → granted 3600
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { EndpointConfig } from "../../config/index.js";
import { Dialog, tagOfHeader } from "../../sip/dialog/dialog.js";
import type { SipRequest, SipResponse } from "../../sip/message/message.js";
import { newTag, type MessageFactory } from "../../sip/session/message-factory.js";
import type { ServerTransaction } from "../../sip/transaction/server-transaction.js";
import type { TransactionLayer } from "../../sip/transaction/transaction-layer.js";
import { createResponse } from "../../sip/transaction/create-response.js";
import { unescapeUser } from "../../sip/parser/index.js";
import type { MethodHandler } from "../pipeline/request-handlers.js";
import type { RequestContext } from "../pipeline/request-context.js";

export const MIN_EXPIRES = 60;
export const MAX_EXPIRES = 3600;
/** Subscriptions one endpoint may hold per event package; the oldest goes when a new one comes. */
export const MAX_PER_ENDPOINT = 8;

export interface EventPackage {
  /** The Event header token: `message-summary`. */
  readonly event: string;
  readonly contentType: string;
  /** What a SUBSCRIBE from `endpoint` to the Request-URI user `user` watches; undefined: 404. */
  resolve(endpoint: EndpointConfig, user: string): string | undefined;
  /**
   * The NOTIFY body for the resource's current state; `host` is our address toward the
   * subscriber, `sub` the subscription (its Request-URI, and how many NOTIFYs it has had).
   */
  body(resource: string, endpoint: EndpointConfig, host: string, sub: Subscription): string;
}

export interface Subscription {
  readonly id: string;
  readonly event: string;
  readonly endpoint: EndpointConfig;
  readonly resource: string;
  /** The Request-URI of the SUBSCRIBE that created it: the watched resource as the subscriber names it. */
  readonly uri: string;
  readonly dialog: Dialog;
  /** NOTIFYs sent so far (a dialog-info document's version is this count before it is sent). */
  notifies: number;
  expiresAt: number;
  timer: TimerHandle | undefined;
}

export interface SubscriptionServerOptions {
  transactions: () => TransactionLayer;
  factory: MessageFactory;
  clock: Clock;
  log: Logger;
}

export class SubscriptionServer implements MethodHandler {
  readonly method = "SUBSCRIBE";
  private readonly packages = new Map<string, EventPackage>();
  private readonly subs = new Map<string, Subscription>();

  constructor(private readonly o: SubscriptionServerOptions) {}

  addPackage(p: EventPackage): () => void {
    this.packages.set(p.event, p);
    return () => {
      if (this.packages.get(p.event) === p) this.packages.delete(p.event);
      for (const s of [...this.subs.values()]) if (s.event === p.event) this.drop(s);
    };
  }

  /** Live subscriptions, for the console and for MWI's mwi_subscribe_replaces_unsolicited. */
  list(event?: string): Subscription[] {
    return [...this.subs.values()].filter((s) => event === undefined || s.event === event);
  }

  outOfDialog(ctx: RequestContext, respond: (res: SipResponse) => void): void {
    const req = ctx.req;
    const event = (req.headers.get("Event") ?? "").split(";")[0]!.trim().toLowerCase();
    const pkg = this.packages.get(event);
    if (pkg === undefined) {
      const res = createResponse(req, 489, "Bad Event");
      res.headers.append("Allow-Events", [...this.packages.keys()].join(", "));
      respond(res);
      return;
    }
    if (!accepts(req.headers.getAll("Accept"), pkg.contentType)) {
      // RFC 6665 §4.2.1.1: a body type the subscriber cannot read is answered 406.
      const res = createResponse(req, 406, "Not Acceptable");
      res.headers.append("Accept", pkg.contentType);
      respond(res);
      return;
    }
    const ep = ctx.endpoint;
    const user = /^sips?:([^@;>]+)@/i.exec(req.uri)?.[1] ?? "";
    if (req.headers.getAll("Contact").length === 0) {
      // RFC 6665 §4.1.2.1 / RFC 3261 §8.1.1.8: a SUBSCRIBE creates a dialog and must carry a Contact.
      respond(createResponse(req, 400, "Missing Contact header"));
      return;
    }
    const resource = ep === undefined ? undefined : pkg.resolve(ep, unescapeUser(user));
    if (ep !== undefined && !ep.allowSubscribe) {
      ctx.log.notice({ event }, `SUBSCRIBE for ${event} from endpoint ${ep.id} declined: allow_subscribe=no`);
      respond(createResponse(req, 603, "Decline"));
      return;
    }
    if (ep === undefined || resource === undefined) {
      ctx.log.notice({ event, user }, `SUBSCRIBE for ${event} to '${user}' from ${ctx.peer}: nothing to watch there (for MWI, set mailboxes= on the endpoint's AOR or the endpoint; for dialog and presence, the extension needs a hint in the endpoint's subscribe_context, else its context)`);
      respond(createResponse(req, 404, "Not Found"));
      return;
    }
    const expires = this.grantedExpires(req);
    if (expires === "too-brief") {
      const res = createResponse(req, 423, "Interval Too Brief");
      res.headers.append("Min-Expires", String(MIN_EXPIRES));
      respond(res);
      return;
    }
    const tag = newTag();
    const dialog = Dialog.fromInvite(req, tag, ctx.flow, ep.id);
    const res = this.o.factory.response(req, 200, { toTag: tag, contact: { flow: ctx.flow, user: ep.id }, headers: [["Expires", String(expires)]] });
    for (const rr of req.headers.getAll("Record-Route")) res.headers.append("Record-Route", rr);
    respond(res);
    const sub: Subscription = { id: dialog.id, event, endpoint: ep, resource, uri: req.uri, dialog, notifies: 0, expiresAt: 0, timer: undefined };
    if (expires === 0) {
      this.notify(sub, pkg, "terminated;reason=timeout");
      return;
    }
    // A phone that reboots subscribes anew; its old subscriptions are dropped beyond a few.
    const mine = this.list(event).filter((x) => x.endpoint.id === ep.id);
    for (const old of mine.slice(0, Math.max(0, mine.length - MAX_PER_ENDPOINT + 1))) this.drop(old);
    this.subs.set(sub.id, sub);
    this.arm(sub, expires);
    this.o.log.verbose(3, {}, `Subscription for ${event} of ${resource} by endpoint ${ep.id} created (expires in ${expires} s)`);
    this.notify(sub, pkg);
  }

  ownsDialog(req: SipRequest): boolean {
    return this.subs.has(this.keyOf(req));
  }

  inDialog(req: SipRequest, _tx: ServerTransaction, respond: (res: SipResponse) => void): void {
    const sub = this.subs.get(this.keyOf(req));
    if (sub === undefined) {
      respond(createResponse(req, 481, "Call/Transaction Does Not Exist"));
      return;
    }
    if (req.method !== "SUBSCRIBE") {
      respond(createResponse(req, 405, "Method Not Allowed"));
      return;
    }
    if (!sub.dialog.acceptRemoteSeq(req)) {
      respond(createResponse(req, 500, "Server Internal Error"));
      return;
    }
    sub.dialog.refreshTarget(req);
    const pkg = this.packages.get(sub.event);
    const expires = this.grantedExpires(req);
    if (expires === "too-brief") {
      const res = createResponse(req, 423, "Interval Too Brief");
      res.headers.append("Min-Expires", String(MIN_EXPIRES));
      respond(res);
      return;
    }
    respond(this.o.factory.response(req, 200, { contact: { flow: sub.dialog.flow, user: sub.endpoint.id }, headers: [["Expires", String(expires)]] }));
    if (pkg === undefined) return;
    if (expires === 0) {
      this.notify(sub, pkg, "terminated;reason=timeout");
      this.drop(sub);
      return;
    }
    this.arm(sub, expires);
    this.notify(sub, pkg);
  }

  /** A watched resource changed: a NOTIFY to each subscription whose resource `affected` says. */
  changed(event: string, affected: (resource: string) => boolean): void {
    const pkg = this.packages.get(event);
    if (pkg === undefined) return;
    for (const s of this.subs.values()) if (s.event === event && affected(s.resource)) this.notify(s, pkg);
  }

  /** Every subscription of `event`: a NOTIFY with the current state (after a reload). */
  refreshAll(event: string): void {
    const pkg = this.packages.get(event);
    if (pkg === undefined) return;
    for (const s of this.subs.values()) if (s.event === event) this.notify(s, pkg);
  }

  /**
   * Ends each subscription of `event` that `ends` picks with a final NOTIFY whose
   * Subscription-State is `terminated;reason=<reason>` (RFC 6665 §4.2.2: noresource when the
   * watched resource is gone).
   */
  terminate(event: string, ends: (sub: Subscription) => boolean, reason: string): void {
    const pkg = this.packages.get(event);
    for (const s of [...this.subs.values()]) {
      if (s.event !== event || !ends(s)) continue;
      if (pkg !== undefined) this.notify(s, pkg, `terminated;reason=${reason}`);
      this.drop(s);
    }
  }

  close(): void {
    for (const s of [...this.subs.values()]) this.drop(s);
  }

  private keyOf(req: SipRequest): string {
    const callId = req.headers.get("Call-ID") ?? "";
    const local = tagOfHeader(req.headers.get("To") ?? "") ?? "";
    const remote = tagOfHeader(req.headers.get("From") ?? "") ?? "";
    return `${callId};${local};${remote}`;
  }

  private grantedExpires(req: SipRequest): number | "too-brief" {
    const raw = req.headers.get("Expires");
    if (raw === undefined || !/^\s*\d+\s*$/.test(raw)) return MAX_EXPIRES;
    const n = Number(raw);
    if (n === 0) return 0;
    if (n < MIN_EXPIRES) return "too-brief";
    return Math.min(n, MAX_EXPIRES);
  }

  private arm(sub: Subscription, seconds: number): void {
    sub.timer?.cancel();
    sub.expiresAt = this.o.clock.now() + seconds * 1000;
    sub.timer = this.o.clock.setTimeout(() => {
      const pkg = this.packages.get(sub.event);
      if (pkg !== undefined) this.notify(sub, pkg, "terminated;reason=timeout");
      this.drop(sub);
    }, seconds * 1000);
  }

  private drop(sub: Subscription): void {
    sub.timer?.cancel();
    this.subs.delete(sub.id);
  }

  private notify(sub: Subscription, pkg: EventPackage, state?: string): void {
    const left = Math.max(0, Math.round((sub.expiresAt - this.o.clock.now()) / 1000));
    const req = this.o.factory.inDialog(sub.dialog, "NOTIFY", {
      headers: [
        ["Event", pkg.event],
        ["Subscription-State", state ?? `active;expires=${left}`],
      ],
      body: { contentType: pkg.contentType, body: pkg.body(sub.resource, sub.endpoint, this.o.factory.hostPort(sub.dialog.flow), sub) },
    });
    sub.notifies++;
    this.o.transactions().sendRequest(req, sub.dialog.flow, {
      onResponse: (res) => {
        if (res.status < 300) return;
        this.o.log.notice({ endpoint: sub.endpoint.id }, `${pkg.event} NOTIFY to endpoint ${sub.endpoint.id} (${sub.dialog.state.remoteTarget}) was refused with ${res.status} ${res.reason}${res.status === 481 || res.status === 408 ? "; the subscription ends" : ""}`);
        if (res.status === 481 || res.status === 408) this.drop(sub);
      },
      onTimeout: () => {
        this.o.log.notice({ endpoint: sub.endpoint.id }, `${pkg.event} NOTIFY to endpoint ${sub.endpoint.id} (${sub.dialog.state.remoteTarget}) was not answered; the subscription ends`);
        this.drop(sub);
      },
    });
  }
}

/**
 * True when the Accept headers admit `type`: no Accept at all (RFC 6665: then the package's
 * default type is meant), the type itself, its major type with a star, or two stars. Parameters (`;q=`) are ignored.
 */
export function accepts(values: readonly string[], type: string): boolean {
  const ranges = values.flatMap((v) => v.split(",")).map((r) => (r.split(";")[0] ?? "").trim().toLowerCase()).filter((r) => r !== "");
  if (ranges.length === 0) return true;
  const want = type.toLowerCase();
  const major = want.split("/")[0] ?? "";
  return ranges.some((r) => r === want || r === "*/*" || r === `${major}/*`);
}
