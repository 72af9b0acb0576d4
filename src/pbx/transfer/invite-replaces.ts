/**
 * An INVITE with a Replaces header (RFC 3891 §3) names a dialog of ours the new call takes the
 * place of:
 *
 *   confirmed dialog  the new caller is joined with that call's other party; the replaced
 *                     channel is hung up (a transfer the target's phone completes)
 *   early dialog of a leg we are ringing
 *                     the new caller answers that ringing call (pickup from a BLF key): the
 *                     ringing phones get CANCEL
 *   no such dialog, or an early one we did not start   481 (§3)
 *   `early-only` and the dialog is confirmed            486 (§3)
 */
import type { EndpointConfig } from "../../config/index.js";
import type { SipRequest } from "../../sip/message/message.js";
import type { CallManager, CallParty, InviteHook } from "../channel/call-manager.js";
import type { InboundCall } from "../channel/inbound-call.js";
import type { OriginatedCall } from "../channel/originated-call.js";
import type { RedirectTarget } from "../dialplan/index.js";
import { connectRinging, waitIn } from "./connect-ringing.js";
import { parseReplaces } from "./refer-to.js";
import type { TransferService } from "./transfer-service.js";

function alive(p: CallParty): boolean {
  return p.kind === "call" ? !p.call.hungUp() : p.leg.state === "Up";
}

type Found = { kind: "confirmed"; party: CallParty; partner: CallParty } | { kind: "early"; owner: InboundCall | OriginatedCall };

export class InviteReplaces implements InviteHook {
  private readonly found = new WeakMap<SipRequest, Found>();

  constructor(
    private readonly calls: CallManager,
    private readonly service: TransferService,
  ) {}

  check(req: SipRequest, _exten: string, ep: EndpointConfig): { ok: true } | { ok: false; status: number; reason: string; detail: string } | undefined {
    const value = req.headers.get("Replaces");
    if (value === undefined) return undefined;
    const r = parseReplaces(value);
    if (r === undefined) return { ok: false, status: 400, reason: "Bad Request", detail: `INVITE from endpoint '${ep.id}' carries an unreadable Replaces '${value}'` };
    const gone = { ok: false as const, status: 481, reason: "Call/Transaction Does Not Exist", detail: `INVITE from endpoint '${ep.id}' replaces a dialog we do not have (Replaces: ${value})` };
    const session = this.calls.findSession(r.callId, r.toTag);
    if (session === undefined || session.dialogFor(r.fromTag) === undefined) return gone;
    // §3: "If the Replaces header field matches a dialog which has already terminated, the UA
    // SHOULD decline the request with a 603 Declined response."
    if (session.state === "Terminated") return { ok: false, status: 603, reason: "Declined", detail: `INVITE from endpoint '${ep.id}' replaces a call that has ended (Replaces: ${value})` };
    if (session.state === "Confirmed") {
      if (r.earlyOnly) return { ok: false, status: 486, reason: "Busy Here", detail: `INVITE from endpoint '${ep.id}' replaces early-only a call already answered` };
      const party = this.calls.partyOfSession(session);
      const partner = party === undefined ? undefined : this.service.partnerOf(party);
      if (party === undefined || partner === undefined) return gone;
      this.found.set(req, { kind: "confirmed", party, partner });
      return { ok: true };
    }
    // §3: only an early dialog this UA started (a leg we ring) may be replaced.
    const ringing = this.calls.ringingLegs().find((x) => x.leg.session === session);
    if (ringing === undefined) return gone;
    this.found.set(req, { kind: "early", owner: ringing.owner });
    return { ok: true };
  }

  take(call: InboundCall): RedirectTarget {
    const f = this.found.get(call.o.req);
    // The RTP port was allocated between check() and now: the call to replace may have ended.
    const stale = f === undefined || (f.kind === "early" ? f.owner.hungUp() || f.owner.ringing_.size === 0 || f.owner.redirectPending() : !alive(f.party) || !alive(f.partner));
    if (f === undefined || stale) {
      return {
        label: "replaces a call that ended",
        run: () => {
          call.refuse(481, "Call/Transaction Does Not Exist");
          return Promise.resolve();
        },
      };
    }
    const log = call.log;
    if (f.kind === "early") {
      const tb = connectRinging(this.calls, this.service, f.owner, call);
      if (log.wants("verbose", 3)) log.verbose(3, {}, `${call.name}: picks up the call ${f.owner.name} is ringing (INVITE with Replaces)`);
      return { label: `picks up ${f.owner.name}`, run: () => waitIn(tb, call) };
    }
    const replaced = f.party.kind === "call" ? f.party.call.name : f.party.leg.name;
    const partnerName = f.partner.kind === "call" ? f.partner.call.name : f.partner.leg.name;
    this.service.letGoOf(replaced, partnerName);
    const tb = this.service.newBridge();
    const other = this.calls.divert(f.partner, tb.detour(0));
    this.calls.divert(f.party, { label: `replaced by ${call.name}`, run: () => Promise.resolve() });
    tb.join(other, call);
    if (log.wants("verbose", 3)) log.verbose(3, {}, `${call.name}: replaces ${replaced} in its call with ${other.name} (INVITE with Replaces)`);
    return { label: `replaces ${replaced}`, run: () => waitIn(tb, call) };
  }
}
