/**
 * The dialog table (RFC 3261 §12.2.2): routes requests inside a dialog (a To tag) to their
 * session by Call-ID and our tag, then the peer's tag; the ACK for a 2xx to its session; a 2xx
 * that arrives after its INVITE client transaction ended to the UAC session; CANCEL to the UAS
 * session of its INVITE. Unknown dialogs get 481, requests out of CSeq order 500. A missing tag
 * is the empty tag everywhere (dialog-tags.ts), so RFC 2543 peers find their dialogs.
 *
 * A terminated session stays in the table for 64*T1, so late retransmissions (a BYE crossing
 * ours, an ACK, a 2xx) are still answered.
 */
import type { SipRequest, SipResponse } from "../message/message.js";
import { ClientInviteSession, type ClientInviteSessionOptions } from "./client-invite-session.js";
import { dialogTagOf } from "./dialog-tags.js";
import type { InviteSession } from "./invite-session.js";
import type { MessageFactory } from "./message-factory.js";
import type { InviteServerPort, Respond, SessionEnvironment } from "./ports.js";
import { ServerInviteSession, type ServerInviteSessionOptions } from "./server-invite-session.js";

export interface SessionLayerOptions {
  env: SessionEnvironment;
  factory: MessageFactory;
  /** How long a terminated session still answers late requests; 64*T1 by default. */
  lingerMs?: number;
}

type AnySession = InviteSession;

export class SessionLayer {
  private readonly sessions = new Map<string, AnySession>();
  private readonly byTransaction = new Map<InviteServerPort, ServerInviteSession>();
  private readonly lingering = new Set<{ cancel(): void }>();
  /** Counters for the console and tests. */
  readonly stats = { unknownDialog: 0, outOfOrder: 0 };

  constructor(private readonly o: SessionLayerOptions) {}

  get factory(): MessageFactory {
    return this.o.factory;
  }

  get env(): SessionEnvironment {
    return this.o.env;
  }

  /**
   * A UAS session for a new INVITE; in the table from now on (early dialog: PRACK, CANCEL, UPDATE).
   * Throws `SipResponseError(400)` for an INVITE without a usable Contact (§8.1.1.8,
   * `dialogContactProblem`), before anything is added.
   */
  createServer(opts: Omit<ServerInviteSessionOptions, "env" | "factory">): ServerInviteSession {
    const s = new ServerInviteSession({ ...opts, env: this.o.env, factory: this.o.factory });
    this.add(s);
    this.byTransaction.set(opts.tx, s);
    s.on("terminated", () => this.byTransaction.delete(opts.tx));
    return s;
  }

  /** A UAC session; start() sends its INVITE. */
  createClient(opts: Omit<ClientInviteSessionOptions, "env" | "factory">): ClientInviteSession {
    const s = new ClientInviteSession({ ...opts, env: this.o.env, factory: this.o.factory });
    this.add(s);
    return s;
  }

  private add(s: AnySession): void {
    const key = keyOf(s.callId, s.localTag);
    this.sessions.set(key, s);
    s.on("terminated", () => {
      const t = this.o.env.clock.setTimeout(() => {
        this.lingering.delete(t);
        if (this.sessions.get(key) === s) this.sessions.delete(key);
        s.close();
      }, this.o.lingerMs ?? 64 * this.o.env.transactions.timers.T1);
      this.lingering.add(t);
    });
  }

  find(callId: string, localTag: string): AnySession | undefined {
    return this.sessions.get(keyOf(callId, localTag));
  }

  /**
   * A request with a To tag (not ACK or CANCEL). §12.2.2: "If the UAS wishes to reject the
   * request because it does not wish to recreate the dialog, it MUST respond to the request with
   * a 481 (Call/Transaction Does Not Exist) status code".
   */
  receiveRequest(req: SipRequest, respond: Respond): void {
    const f = this.o.factory;
    const s = this.find(req.headers.get("Call-ID") ?? "", dialogTagOf(req.headers.get("To")));
    const dialog = s?.dialogFor(dialogTagOf(req.headers.get("From")));
    if (!s || !dialog) {
      this.stats.unknownDialog++;
      respond(f.response(req, 481));
      return;
    }
    // §12.2.2: "If the remote sequence number was not empty, but the sequence number of the
    // request is lower than the remote sequence number, the request is out of order and MUST be
    // rejected with a 500 (Server Internal Error) response."
    if (!dialog.acceptRemoteSeq(req)) {
      this.stats.outOfOrder++;
      respond(f.response(req, 500, { reason: "Server Internal Error" }));
      return;
    }
    s.receiveRequest(req, respond, dialog);
  }

  /** An ACK that matched no transaction: the ACK for a 2xx (§13.3.1.4, §17.2.1). */
  receiveAck(ack: SipRequest): boolean {
    const s = this.find(ack.headers.get("Call-ID") ?? "", dialogTagOf(ack.headers.get("To")));
    if (!s || !s.dialogFor(dialogTagOf(ack.headers.get("From")))) return false;
    s.receiveAck(ack);
    return true;
  }

  /**
   * A response that matched no client transaction: a retransmitted 2xx to one of our INVITEs (or
   * a fork's 2xx to our initial INVITE). False, and nothing sent, for any 2xx the session did not
   * take — an unknown Call-ID or tag, or a CSeq we never sent.
   */
  receiveStrayResponse(res: SipResponse): boolean {
    const s = this.find(res.headers.get("Call-ID") ?? "", dialogTagOf(res.headers.get("From")));
    return s ? s.receiveStrayResponse(res) : false;
  }

  /**
   * A CANCEL matched this INVITE server transaction (§9.2). The session learns it (`cancelled`);
   * returns our To tag so the CANCEL's 200 and the INVITE's 487 carry it.
   */
  cancel(tx: InviteServerPort): { localTag: string; cancelled: boolean } | undefined {
    const s = this.byTransaction.get(tx);
    if (!s) return undefined;
    return { localTag: s.localTag, cancelled: s.cancelled() };
  }

  get size(): number {
    return this.sessions.size;
  }

  dump(): Array<Record<string, unknown>> {
    return [...this.sessions.values()].map((s) => s.dump());
  }

  /** Closes every session, then the linger timers their ending started. Safe twice. */
  close(): void {
    for (const s of [...this.sessions.values()]) s.close();
    this.sessions.clear();
    this.byTransaction.clear();
    for (const t of this.lingering) t.cancel();
    this.lingering.clear();
  }
}

function keyOf(callId: string, localTag: string): string {
  return `${callId}|${localTag}`;
}
