/**
 * The ICE agent of one media leg (RFC 8445), running in the relay worker next to the leg's
 * sockets: it answers connectivity checks with short-term credentials (§7.3), runs its own
 * checks to the peer's candidates (§6.1.4, §7.2), resolves role conflicts (§7.3.1.1),
 * nominates as the controlling agent (regular nomination, §8.1.1) or honours USE-CANDIDATE as
 * the controlled one (§7.3.1.5), and says which pair each component selected.
 *
 *   pair states (§6.1.2.6):
 *
 *     Frozen ──► Waiting ──► In-Progress ──► Succeeded
 *                   ▲             │
 *                   └── 487 ──────┴──────► Failed (timeout, error, non-symmetric)
 *
 * Sending goes through the leg (`send`): from the component's socket for host candidates, or
 * through the TURN allocation for relayed ones. The agent never throws on what arrives.
 */
import { candidatePriority, pairPriority, type IceCandidate, type IceParameters } from "./candidate.js";
import { attr, buildStun, checkIntegrity, errorCode, newTransactionId, readErrorCode, readXorAddress, shortTermKey, StunAttr, StunMethod, u32, xorAddress, type ParsedStun, type StunAttribute, type TransportAddress } from "../stun/stun-packet.js";

export type IceRole = "controlling" | "controlled";
export type PairState = "Frozen" | "Waiting" | "In-Progress" | "Succeeded" | "Failed";

/** §14.2: "Ta SHOULD be configurable and SHOULD have a default of 50 ms". */
const TA_MS = 50;
/** Retransmission: RTO doubling from 500 ms, at most 1.6 s apart, 6 transmissions (about 6.3 s). */
const RTO_MS = 500;
const MAX_RTO_MS = 1600;
const MAX_TRANSMISSIONS = 6;
/** The controlling agent nominates at most this long after its first valid pair, if better pairs are still pending. */
const NOMINATION_WAIT_MS = 1000;
/** §6.1.2.5: "The default limit of candidate pairs for the checklist set is 100". */
export const MAX_CANDIDATE_PAIRS = 100;
/** How many dropped pairs the once-per-leg notice names. */
const PRUNED_NAMED = 3;

export interface CandidatePair {
  local: IceCandidate;
  remote: IceCandidate;
  priority: bigint;
  state: PairState;
  foundation: string;
  nominated: boolean;
  /** The controlled side got USE-CANDIDATE before this pair's own check succeeded (§7.3.1.5). */
  nominateOnSuccess: boolean;
  /** The next check on this pair carries USE-CANDIDATE (controlling). */
  useCandidate: boolean;
  checksSent: number;
  /** Why it failed, for the media doctor. */
  failure?: string;
  tx?: { id: Buffer; count: number; rto: number; nextAt: number; useCandidate: boolean; role: IceRole };
}

export interface IceAgentOptions {
  ufrag: string;
  pwd: string;
  role: IceRole;
  tieBreaker: bigint;
  /** Our candidates (host, srflx, relay) for every component. */
  candidates: IceCandidate[];
  /** Sends a STUN message from the base of `local` to `to`. */
  send(local: IceCandidate, buf: Buffer, to: TransportAddress): void;
  /** A component selected (or changed) its pair. */
  onSelected(component: number, pair: CandidatePair): void;
  /** The most candidate pairs the checklist set holds (§6.1.2.5); MAX_CANDIDATE_PAIRS when omitted. */
  maxPairs?: number;
  /** Called once, the first time the limit drops pairs: what was dropped, for the log. */
  onPruned?(summary: string): void;
  now?: () => number;
}

export interface IceStats {
  role: IceRole;
  localUfrag: string;
  remoteUfrag?: string;
  state: "new" | "checking" | "completed" | "failed";
  requestsReceived: number;
  responsesSent: number;
  errorsSent: { 400: number; 401: number; 487: number };
  pairs: Array<{ component: number; local: string; remote: string; state: PairState; nominated: boolean; checks: number; failure?: string }>;
  selected: Array<{ component: number; local: string; remote: string }>;
  /** Valid pairs media uses while their component has no nominated pair yet. */
  inUse: Array<{ component: number; local: string; remote: string }>;
  /** Candidate pairs dropped over the checklist limit (§6.1.2.5), when any were. */
  prunedPairs?: number;
}

function describe(c: IceCandidate): string {
  return `${c.type} ${c.address}:${c.port}`;
}

/** A pair for a log line; a remote address from SDP may be any string, so it is cut short. */
function describePair(p: CandidatePair): string {
  return `${p.local.component === 1 ? "RTP" : p.local.component === 2 ? "RTCP" : `component ${p.local.component}`} ${describe(p.local)} -> ${describe(p.remote).slice(0, 64)}`;
}

function sameAddress(c: TransportAddress, a: TransportAddress): boolean {
  return c.address === a.address && c.port === a.port;
}

function family(address: string): 4 | 6 {
  return address.includes(":") ? 6 : 4;
}

export class IceAgent {
  role: IceRole;
  private remote: IceParameters | undefined;
  private readonly pairs: CandidatePair[] = [];
  private readonly triggered: CandidatePair[] = [];
  private readonly selectedPairs = new Map<number, CandidatePair>();
  private readonly firstValidAt = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;
  private readonly counters = { requestsReceived: 0, responsesSent: 0, errorsSent: { 400: 0, 401: 0, 487: 0 } };
  /** The components we have candidates for. */
  private readonly components: number[];
  private prunedPairs = 0;

  constructor(private readonly o: IceAgentOptions) {
    this.role = o.role;
    this.now = o.now ?? (() => performance.now());
    this.components = [...new Set(o.candidates.map((c) => c.component))];
  }

  get remoteParameters(): IceParameters | undefined {
    return this.remote;
  }

  /** The selected (nominated) pair of a component, once there is one. */
  selected(component: number): CandidatePair | undefined {
    return this.selectedPairs.get(component);
  }

  /**
   * The pair media uses: the selected one, else the best valid pair. RFC 8445 §12.1.1 lets data
   * flow on a valid pair before nomination; peers that nominate only by their updated offer
   * (RFC 5245's a=remote-candidates) would otherwise never get our media.
   */
  active(component: number): CandidatePair | undefined {
    return this.selectedPairs.get(component) ?? this.pairs.find((p) => p.local.component === component && p.state === "Succeeded");
  }

  /** True when `address:port` is one of the peer's candidates of `component`: signalled, or learned from an authenticated check. */
  isRemote(component: number, address: string, port: number): boolean {
    return this.pairs.some((p) => p.remote.component === component && p.remote.port === port && p.remote.address === address);
  }

  /**
   * The peer's ufrag, password and candidates (from its offer or answer): forms the checklist
   * (§6.1.2) and starts the checks. A new ufrag is an ICE restart (§9): everything starts over.
   */
  setRemote(remote: IceParameters, role?: IceRole): void {
    if (this.closed) return;
    if (this.remote !== undefined && this.remote.ufrag !== remote.ufrag) {
      this.pairs.length = 0;
      this.triggered.length = 0;
      this.selectedPairs.clear();
      this.firstValidAt.clear();
    }
    if (role !== undefined) this.role = role;
    this.remote = { ...remote, candidates: [...remote.candidates, ...this.early.filter((e) => !remote.candidates.some((c) => c.component === e.component && sameAddress(c, e)))] };
    this.early.length = 0;
    this.addRemotes(remote.candidates);
    if (remote.lite === true && this.role === "controlled") this.role = "controlling";
    this.schedule();
  }

  /** Our candidates that pair: a server-reflexive one is checked from its base (§6.1.2.4), so only host and relay. */
  private bases(component: number): IceCandidate[] {
    return this.o.candidates.filter((c) => c.component === component && (c.type === "host" || c.type === "relay"));
  }

  /** §6.1.2.2 to §6.1.2.6: pairs with the peer's candidates, sorted, pruned to the limit, the first of each foundation Waiting. */
  private addRemotes(candidates: readonly IceCandidate[]): void {
    const known = new Set(this.pairs.map((p) => `${this.o.candidates.indexOf(p.local)} ${p.remote.address} ${p.remote.port}`));
    for (const r of candidates) {
      if (!this.components.includes(r.component)) continue;
      for (const local of this.bases(r.component)) {
        if (family(local.address) !== family(r.address)) continue;
        const key = `${this.o.candidates.indexOf(local)} ${r.address} ${r.port}`;
        if (known.has(key)) continue;
        known.add(key);
        const pair: CandidatePair = { local, remote: r, priority: 0n, state: "Frozen", foundation: `${local.foundation}:${r.foundation}`, nominated: false, nominateOnSuccess: false, useCandidate: false, checksSent: 0 };
        this.pairs.push(pair);
      }
    }
    this.reprioritize();
    this.prune();
    // §6.1.2.6: per foundation, the pair with the lowest component ID and highest priority starts Waiting.
    const seen = new Set<string>();
    for (const p of this.pairs) if (p.state === "Waiting" || p.state === "In-Progress" || p.state === "Succeeded") seen.add(p.foundation);
    for (const p of this.pairs) {
      if (p.state !== "Frozen" || seen.has(p.foundation)) continue;
      seen.add(p.foundation);
      p.state = "Waiting";
    }
  }

  /**
   * §6.1.2.5: "an ICE agent MUST limit the total number of connectivity checks ... by limiting
   * the total number of candidate pairs in the checklist set. ... The limit is enforced by
   * discarding lower-priority candidate pairs". Failed pairs go first, then frozen, then waiting
   * ones, each lowest priority first; a pair that works or may (succeeded, being checked,
   * nominated or to be nominated, selected, used by media) is never dropped. The pair a peer's
   * check just made (`from`) takes the place of a failed pair or of one below it, else it goes
   * itself — unless that check nominates it.
   * Remote peer-reflexive candidates no pair uses any more are forgotten too, so a peer sending
   * checks from ever new ports cannot grow them either.
   */
  private prune(from?: { pair: CandidatePair; nominates: boolean }): void {
    const limit = this.o.maxPairs ?? MAX_CANDIDATE_PAIRS;
    let excess = this.pairs.length - limit;
    if (excess <= 0) return;
    const keep = new Set<CandidatePair>(this.selectedPairs.values());
    for (const c of this.components) {
      const a = this.active(c);
      if (a !== undefined) keep.add(a);
    }
    if (from !== undefined) keep.add(from.pair);
    const busy = (p: CandidatePair): boolean => p.state === "In-Progress" || p.state === "Succeeded" || p.nominated || p.useCandidate || p.nominateOnSuccess || p.tx !== undefined;
    const dropped = new Set<CandidatePair>();
    for (const state of ["Failed", "Frozen", "Waiting"] as const) {
      for (let i = this.pairs.length - 1; i >= 0 && excess > 0; i--) {
        const p = this.pairs[i]!;
        if (p.state !== state || keep.has(p) || busy(p)) continue;
        // For a peer's new check, only failed pairs and pairs below it make room.
        if (from !== undefined && state !== "Failed" && p.priority > from.pair.priority) continue;
        dropped.add(p);
        excess--;
      }
    }
    if (excess > 0 && from !== undefined && !from.nominates) dropped.add(from.pair);
    if (dropped.size === 0) return;
    const kept = this.pairs.filter((p) => !dropped.has(p));
    this.pairs.length = 0;
    this.pairs.push(...kept);
    const stillTriggered = this.triggered.filter((p) => !dropped.has(p));
    this.triggered.length = 0;
    this.triggered.push(...stillTriggered);
    const used = new Set(kept.map((p) => p.remote));
    const wanted = (c: IceCandidate): boolean => c.type !== "prflx" || used.has(c);
    if (this.remote !== undefined) this.remote = { ...this.remote, candidates: this.remote.candidates.filter(wanted) };
    const early = this.early.filter(wanted);
    this.early.length = 0;
    this.early.push(...early);
    const first = this.prunedPairs === 0;
    this.prunedPairs += dropped.size;
    if (first && this.o.onPruned !== undefined) {
      const named = [...dropped].slice(0, PRUNED_NAMED).map(describePair);
      const more = dropped.size > named.length ? ` and ${dropped.size - named.length} more` : "";
      this.o.onPruned(`more than ${limit} ICE candidate pairs (RFC 8445 §6.1.2.5 limit): dropped ${dropped.size} of the lowest priority (${named.join(", ")}${more}); later drops on this leg are counted, not logged`);
    }
  }

  private reprioritize(): void {
    for (const p of this.pairs) p.priority = this.role === "controlling" ? pairPriority(p.local.priority, p.remote.priority) : pairPriority(p.remote.priority, p.local.priority);
    this.pairs.sort((a, b) => (b.priority > a.priority ? 1 : b.priority < a.priority ? -1 : a.remote.component - b.remote.component));
  }

  private schedule(): void {
    if (this.timer !== undefined || this.closed || this.remote === undefined) return;
    this.timer = setInterval(() => this.tick(), TA_MS);
    this.tick();
  }

  /** One Ta: retransmissions that are due, then one new check (triggered first, §6.1.4.2). */
  private tick(): void {
    const now = this.now();
    let active = false;
    for (const p of this.pairs) {
      const tx = p.tx;
      if (p.state !== "In-Progress" || tx === undefined) continue;
      active = true;
      if (now < tx.nextAt) continue;
      if (tx.count >= MAX_TRANSMISSIONS) {
        this.fail(p, "no response to the connectivity check");
        continue;
      }
      this.transmit(p, now);
    }
    for (const c of this.components) this.maybeNominate(c, now);
    const next = this.nextPair();
    if (next !== undefined) {
      this.startCheck(next, now);
      active = true;
    } else if (this.pairs.some((p) => p.state === "Waiting" || p.state === "Frozen")) active = true;
    if (!active && this.timer !== undefined && !this.needsNomination()) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private needsNomination(): boolean {
    return this.role === "controlling" && this.components.some((c) => !this.selectedPairs.has(c) && this.pairs.some((p) => p.local.component === c && p.state === "Succeeded"));
  }

  private nextPair(): CandidatePair | undefined {
    while (this.triggered.length > 0) {
      const p = this.triggered.shift()!;
      if (p.state === "Waiting" || p.state === "Frozen" || p.state === "Failed" || (p.state === "Succeeded" && p.useCandidate)) return p;
    }
    const waiting = this.pairs.find((p) => p.state === "Waiting");
    if (waiting !== undefined) return waiting;
    // §6.1.4.2: with nothing Waiting, unfreeze a Frozen pair whose foundation has nothing in progress.
    const busy = new Set(this.pairs.filter((p) => p.state === "Waiting" || p.state === "In-Progress").map((p) => p.foundation));
    return this.pairs.find((p) => p.state === "Frozen" && !busy.has(p.foundation));
  }

  private startCheck(p: CandidatePair, now: number): void {
    p.state = "In-Progress";
    delete p.failure;
    p.tx = { id: newTransactionId(), count: 0, rto: RTO_MS, nextAt: now, useCandidate: p.useCandidate, role: this.role };
    this.transmit(p, now);
  }

  /** §7.2.2: USERNAME, PRIORITY, ICE-CONTROLLING/ICE-CONTROLLED, USE-CANDIDATE, MESSAGE-INTEGRITY, FINGERPRINT. */
  private transmit(p: CandidatePair, now: number): void {
    const tx = p.tx;
    const remote = this.remote;
    if (tx === undefined || remote === undefined) return;
    const tb = Buffer.alloc(8);
    tb.writeBigUInt64BE(this.o.tieBreaker);
    const attributes: StunAttribute[] = [
      { type: StunAttr.Username, value: Buffer.from(`${remote.ufrag}:${this.o.ufrag}`, "utf8") },
      // "the PRIORITY attribute ... MUST be set equal to the priority ... of a peer-reflexive candidate" (§7.1.1).
      { type: StunAttr.Priority, value: u32(candidatePriority("prflx", p.local.component, (p.local.priority >>> 8) & 0xffff)) },
      { type: this.role === "controlling" ? StunAttr.IceControlling : StunAttr.IceControlled, value: tb },
    ];
    tx.role = this.role;
    if (this.role === "controlling" && tx.useCandidate) attributes.push({ type: StunAttr.UseCandidate, value: Buffer.alloc(0) });
    const buf = buildStun({ method: StunMethod.Binding, cls: "request", transactionId: tx.id, attributes }, shortTermKey(remote.pwd));
    tx.count++;
    p.checksSent++;
    tx.nextAt = now + tx.rto;
    tx.rto = Math.min(tx.rto * 2, MAX_RTO_MS);
    this.o.send(p.local, buf, { address: p.remote.address, port: p.remote.port });
  }

  private fail(p: CandidatePair, why: string): void {
    p.state = "Failed";
    p.failure = why;
    // A nomination check that failed lets the next best valid pair be nominated.
    p.useCandidate = false;
    delete p.tx;
  }

  /**
   * A STUN message that arrived on `local`'s base from `from`. True when the agent took it
   * (a Binding request or a response to one of its checks).
   */
  handle(msg: ParsedStun, from: TransportAddress, local: IceCandidate): boolean {
    if (this.closed || msg.method !== StunMethod.Binding) return false;
    if (msg.cls === "request") {
      this.onRequest(msg, from, local);
      return true;
    }
    if (msg.cls === "success" || msg.cls === "error") return this.onResponse(msg, from, local);
    // Binding indications are keepalives (§11): nothing to do.
    return msg.cls === "indication";
  }

  private respond(req: ParsedStun, from: TransportAddress, local: IceCandidate, code?: number, reason?: string): void {
    const success = code === undefined;
    const attributes = success ? [{ type: StunAttr.XorMappedAddress, value: xorAddress(from, req.transactionId) }] : [{ type: StunAttr.ErrorCode, value: errorCode(code, reason ?? "") }];
    // RFC 8489 §9.1.4: 400 and 401 are sent without MESSAGE-INTEGRITY; success and 487 with it.
    const key = code === 400 || code === 401 ? undefined : shortTermKey(this.o.pwd);
    this.o.send(local, buildStun({ method: StunMethod.Binding, cls: success ? "success" : "error", transactionId: req.transactionId, attributes }, key), from);
    if (success) this.counters.responsesSent++;
    else if (code === 400 || code === 401 || code === 487) this.counters.errorsSent[code]++;
  }

  /** §7.3: check credentials, resolve role conflicts, answer, then the triggered check. */
  private onRequest(req: ParsedStun, from: TransportAddress, local: IceCandidate): void {
    this.counters.requestsReceived++;
    const username = attr(req, StunAttr.Username);
    // RFC 8489 §9.1.3: no MESSAGE-INTEGRITY or USERNAME: 400; a USERNAME that is not ours or a wrong HMAC: 401.
    if (username === undefined || req.integrityAt < 0) return this.respond(req, from, local, 400, "Bad Request");
    const [ours] = username.toString("utf8").split(":");
    if (ours !== this.o.ufrag || !checkIntegrity(req, shortTermKey(this.o.pwd))) return this.respond(req, from, local, 401, "Unauthorized");
    const controlling = attr(req, StunAttr.IceControlling);
    const controlled = attr(req, StunAttr.IceControlled);
    const theirs = (controlling ?? controlled)?.length === 8 ? (controlling ?? controlled)!.readBigUInt64BE() : undefined;
    if (theirs !== undefined) {
      if (this.role === "controlling" && controlling !== undefined) {
        // §7.3.1.1: "If the agent's tiebreaker value is larger than or equal to the contents of
        // the ICE-CONTROLLING attribute, the agent generates a Binding error response ... 487".
        if (this.o.tieBreaker >= theirs) return this.respond(req, from, local, 487, "Role Conflict");
        this.switchRole("controlled");
      } else if (this.role === "controlled" && controlled !== undefined) {
        if (this.o.tieBreaker >= theirs) this.switchRole("controlling");
        else return this.respond(req, from, local, 487, "Role Conflict");
      }
    }
    this.respond(req, from, local);
    const prio = attr(req, StunAttr.Priority);
    let remote = (this.remote?.candidates ?? this.early).find((c) => c.component === local.component && sameAddress(c, from));
    if (remote === undefined) {
      // §7.3.1.3: a peer-reflexive remote candidate, with the PRIORITY of the request.
      remote = { foundation: `p${Math.abs(from.port * 31 + from.address.length)}`, component: local.component, priority: prio?.length === 4 ? prio.readUInt32BE() : candidatePriority("prflx", local.component), address: from.address, port: from.port, type: "prflx" };
      if (this.remote !== undefined) this.remote.candidates.push(remote);
      else this.early.push(remote);
    }
    const useCandidate = attr(req, StunAttr.UseCandidate) !== undefined && this.role === "controlled";
    let pair = this.pairs.find((p) => p.local === local && sameAddress(p.remote, from));
    if (pair === undefined) {
      pair = { local, remote, priority: 0n, state: "Waiting", foundation: `${local.foundation}:${remote.foundation}`, nominated: false, nominateOnSuccess: false, useCandidate: false, checksSent: 0 };
      this.pairs.push(pair);
      this.reprioritize();
      this.prune({ pair, nominates: useCandidate });
      // Answered, but over the limit with nothing else to drop: no pair, no triggered check.
      if (!this.pairs.includes(pair)) return;
    }
    if (pair.state === "Succeeded") {
      if (useCandidate) this.nominate(pair);
    } else {
      if (useCandidate) pair.nominateOnSuccess = true;
      // §7.3.1.4: a triggered check on the pair, unless one is in progress.
      if (pair.state !== "In-Progress") {
        pair.state = "Waiting";
        this.triggered.push(pair);
      }
    }
    this.schedule();
  }

  /** Peer-reflexive candidates learned before the peer's SDP arrived. */
  private readonly early: IceCandidate[] = [];

  private switchRole(role: IceRole): void {
    this.role = role;
    this.reprioritize();
  }

  private onResponse(msg: ParsedStun, from: TransportAddress, local: IceCandidate): boolean {
    const pair = this.pairs.find((p) => p.tx !== undefined && p.tx.id.equals(msg.transactionId));
    if (pair === undefined || this.remote === undefined) return false;
    // §7.2.5.1/§7.2.5.2: the response must carry a MESSAGE-INTEGRITY made with the peer's password.
    if (!checkIntegrity(msg, shortTermKey(this.remote.pwd))) return true;
    const tx = pair.tx!;
    if (msg.cls === "error") {
      const code = readErrorCode(attr(msg, StunAttr.ErrorCode));
      if (code === 487) {
        // §7.2.5.1: switch role, then "the agent MUST enqueue the candidate pair ... into the triggered-check queue".
        this.switchRole(tx.role === "controlling" ? "controlled" : "controlling");
        delete pair.tx;
        pair.state = "Waiting";
        this.triggered.push(pair);
        this.schedule();
        return true;
      }
      this.fail(pair, `error response ${code ?? "?"} to the connectivity check`);
      return true;
    }
    // §7.2.5.2.1: "the source IP address and port of the response [must equal] the destination
    // IP address and port to which the Binding request was sent, and the destination IP address
    // and port of the response [must match] the source IP address and port".
    if (!sameAddress(pair.remote, from) || pair.local !== local) {
      this.fail(pair, "the response came back on another path (non-symmetric)");
      return true;
    }
    if (readXorAddress(attr(msg, StunAttr.XorMappedAddress), msg.transactionId) === undefined) {
      this.fail(pair, "the response has no XOR-MAPPED-ADDRESS");
      return true;
    }
    delete pair.tx;
    pair.state = "Succeeded";
    const component = local.component;
    if (!this.firstValidAt.has(component)) this.firstValidAt.set(component, this.now());
    // §7.2.5.3.3: unfreeze the pairs of the same foundation.
    for (const p of this.pairs) if (p.state === "Frozen" && p.foundation === pair.foundation) p.state = "Waiting";
    if (tx.useCandidate && this.role === "controlling") this.nominate(pair);
    else if (pair.nominateOnSuccess && this.role === "controlled") this.nominate(pair);
    else if (!this.selectedPairs.has(component) && this.active(component) === pair) this.o.onSelected(component, pair);
    this.maybeNominate(component, this.now());
    return true;
  }

  /** Controlling, regular nomination: the best valid pair once no better one is still being checked (or after a wait). */
  private maybeNominate(component: number, now: number): void {
    if (this.role !== "controlling" || this.selectedPairs.has(component)) return;
    const mine = this.pairs.filter((p) => p.local.component === component);
    if (mine.some((p) => p.useCandidate)) return;
    const best = mine.find((p) => p.state === "Succeeded");
    if (best === undefined) return;
    const pendingBetter = mine.some((p) => p.priority > best.priority && (p.state === "Waiting" || p.state === "In-Progress" || p.state === "Frozen"));
    if (pendingBetter && now - (this.firstValidAt.get(component) ?? now) < NOMINATION_WAIT_MS) return;
    best.useCandidate = true;
    this.triggered.unshift(best);
    this.schedule();
  }

  private nominate(pair: CandidatePair): void {
    pair.nominated = true;
    const current = this.selectedPairs.get(pair.local.component);
    if (current !== undefined && current !== pair && current.nominated && current.priority >= pair.priority) return;
    this.selectedPairs.set(pair.local.component, pair);
    this.o.onSelected(pair.local.component, pair);
  }

  stats(): IceStats {
    const done = this.components.every((c) => this.selectedPairs.has(c));
    const failed = this.remote !== undefined && this.pairs.length > 0 && this.pairs.every((p) => p.state === "Failed");
    const s: IceStats = {
      role: this.role,
      localUfrag: this.o.ufrag,
      state: done ? "completed" : failed ? "failed" : this.remote === undefined ? "new" : "checking",
      requestsReceived: this.counters.requestsReceived,
      responsesSent: this.counters.responsesSent,
      errorsSent: { ...this.counters.errorsSent },
      pairs: this.pairs.map((p) => ({ component: p.local.component, local: describe(p.local), remote: describe(p.remote), state: p.state, nominated: p.nominated, checks: p.checksSent, ...(p.failure !== undefined ? { failure: p.failure } : {}) })),
      selected: [...this.selectedPairs].map(([component, p]) => ({ component, local: describe(p.local), remote: describe(p.remote) })),
      inUse: this.components.flatMap((component) => {
        const p = this.selectedPairs.has(component) ? undefined : this.active(component);
        return p === undefined ? [] : [{ component, local: describe(p.local), remote: describe(p.remote) }];
      }),
    };
    if (this.remote !== undefined) s.remoteUfrag = this.remote.ufrag;
    if (this.prunedPairs > 0) s.prunedPairs = this.prunedPairs;
    return s;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
