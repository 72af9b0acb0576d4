/**
 * ICE on one relay leg: gathers its candidates (host addresses given by the main thread,
 * server-reflexive ones with a Binding request from each socket to rtp.conf `stunaddr`, relayed
 * ones with a TURN allocation per socket), runs the leg's `IceAgent`, and tells the leg where
 * media goes once a pair is selected — straight from the socket, or through the TURN relay.
 *
 * The leg hands it every datagram its demultiplexer (`demux.ts`) classed as STUN or TURN
 * ChannelData; peer data that came through the relay goes back to the leg's RTP/RTCP path.
 */
import { candidatePriority, foundationOf, iceCredentials, tieBreaker, type IceCandidate, type IceParameters } from "./candidate.js";
import { IceAgent, MAX_CANDIDATE_PAIRS, type CandidatePair, type IceRole, type IceStats } from "./ice-agent.js";
import { TurnClient, type TurnClientState, type TurnServer } from "./turn-client.js";
import { buildStun, newTransactionId, parseStun, readXorAddress, attr, StunAttr, StunMethod, type TransportAddress } from "../stun/stun-packet.js";
import { StunRequester } from "../stun/stun-requester.js";
import { datagramKind } from "../rtp/demux.js";

/** What the main thread asks for when it allocates a leg with ICE. */
export interface LegIceSpec {
  /** Our host candidate addresses, preferred first (the c= address of a host leg among them). */
  hostAddresses: string[];
  /** rtp.conf stunaddr, resolved. */
  stun?: { address: string; port: number };
  /** rtp.conf turnaddr/turnusername/turnpassword, resolved. */
  turn?: TurnServer;
  /**
   * Public addresses a NAT maps our host address to one to one, ports unchanged (the transport's
   * external_media_address): offered as server-reflexive candidates, so c= can name them.
   */
  mapped?: string[];
  /** How long gathering may take before the offer or answer goes out. */
  gatherTimeoutMs?: number;
}

/** What gathering found, for our SDP. */
export interface LegIceLocal {
  ufrag: string;
  pwd: string;
  candidates: IceCandidate[];
  /** Why a server-reflexive or relayed candidate is missing (no answer, refused…). */
  problems: string[];
}

/** The state a leg carries when it moves to another worker. */
export interface LegIceSnapshot {
  spec: LegIceSpec;
  local: LegIceLocal;
  tieBreaker: string;
  remote?: { params: IceParameters; role: IceRole };
  /** Each component's TURN allocation, handed over to carry on in the next worker (same port, same 5-tuple). */
  turn?: Array<{ component: number; state: TurnClientState }>;
}

export interface LegIceStats extends IceStats {
  candidates: string[];
  problems: string[];
}

/** The leg's side: raw sends on its two sockets, and data from the relay fed back into its paths. */
export interface LegIceHost {
  sendRaw(component: number, buf: Buffer, to: TransportAddress): void;
  deliver(component: number, buf: Buffer, from: TransportAddress): void;
  selectedChanged(component: number): void;
  /** Something the operator should read about this leg's ICE (logged by the main thread). */
  notice?(message: string): void;
}

const COMPONENTS = [1, 2] as const;

export class LegIce {
  private agent: IceAgent | undefined;
  private readonly requester = new StunRequester();
  private readonly turn = new Map<number, TurnClient>();
  private role: IceRole = "controlled";
  private remote: { params: IceParameters; role: IceRole } | undefined;
  private closed = false;
  /** After a move to another worker: settles once the handed-over TURN allocations carried on or were replaced. */
  turnResumed: Promise<void> = Promise.resolve();

  private constructor(
    readonly spec: LegIceSpec,
    readonly local: LegIceLocal,
    private readonly tieBreaker: string,
    private readonly host: LegIceHost,
    private readonly rtpPort: number,
  ) {}

  /**
   * Gathers host, server-reflexive and relayed candidates for the RTP port and the RTCP port (+1).
   * `attach` gets the instance before the first request leaves, so the leg hands it the answers.
   */
  static async gather(spec: LegIceSpec, host: LegIceHost, rtpPort: number, attach: (ice: LegIce) => void, snapshot?: LegIceSnapshot): Promise<LegIce> {
    if (snapshot !== undefined) {
      const ice = new LegIce(snapshot.spec, snapshot.local, snapshot.tieBreaker, host, rtpPort);
      attach(ice);
      ice.start();
      if (snapshot.remote !== undefined) ice.setRemote(snapshot.remote.params, snapshot.remote.role);
      // The TURN allocation carries on in the background: media on a host pair does not wait for
      // the TURN server (up to two timeouts when it is gone).
      ice.turnResumed = ice.resumeTurn(snapshot.turn ?? [], snapshot.spec.gatherTimeoutMs ?? 2000).catch(() => undefined);
      return ice;
    }
    const { ufrag, pwd } = iceCredentials();
    const ice = new LegIce(spec, { ufrag, pwd, candidates: [], problems: [] }, tieBreaker(), host, rtpPort);
    attach(ice);
    const cands = ice.local.candidates;
    spec.hostAddresses.forEach((address, i) => {
      for (const component of COMPONENTS) cands.push({ foundation: foundationOf("host", address), component, priority: candidatePriority("host", component, 65535 - i), address, port: rtpPort + component - 1, type: "host" });
    });
    const base = spec.hostAddresses[0] ?? "0.0.0.0";
    const timeout = spec.gatherTimeoutMs ?? 2000;
    await Promise.all(
      COMPONENTS.map(async (component) => {
        const port = rtpPort + component - 1;
        const stun = spec.stun;
        if (stun !== undefined) {
          const mapped = await ice.binding(component, stun, timeout);
          if (mapped === undefined) ice.local.problems.push(`no answer from stunaddr ${stun.address}:${stun.port} (component ${component})`);
          else if (!cands.some((c) => c.address === mapped.address && c.port === mapped.port)) {
            cands.push({ foundation: foundationOf("srflx", base, stun.address), component, priority: candidatePriority("srflx", component), address: mapped.address, port: mapped.port, type: "srflx", relatedAddress: base, relatedPort: port });
          }
        }
        const turnServer = spec.turn;
        if (turnServer !== undefined) {
          const client = ice.turnClient(component, turnServer);
          const relayed = await client.allocate(timeout);
          if (relayed === undefined) ice.local.problems.push(client.failure ?? "TURN allocation failed");
          else {
            const mapped = client.mapped ?? { address: base, port };
            cands.push({ foundation: foundationOf("relay", relayed.address, turnServer.address), component, priority: candidatePriority("relay", component), address: relayed.address, port: relayed.port, type: "relay", relatedAddress: mapped.address, relatedPort: mapped.port });
          }
        }
      }),
    );
    for (const address of spec.mapped ?? []) {
      for (const component of COMPONENTS) {
        if (cands.some((c) => c.component === component && c.address === address)) continue;
        const port = rtpPort + component - 1;
        cands.push({ foundation: foundationOf("srflx", base, "mapped"), component, priority: candidatePriority("srflx", component, 65534), address, port, type: "srflx", relatedAddress: base, relatedPort: port });
      }
    }
    ice.start();
    return ice;
  }

  /** The component's TURN client, on its socket; what comes through the relay goes to ICE or the leg. */
  private turnClient(component: number, server: TurnServer): TurnClient {
    const client = new TurnClient(server, (b) => this.host.sendRaw(component, b, server), (data, from) => {
      // Checks that came through the relay are the relay candidate's; the rest is media.
      if (datagramKind(data) === "stun" && this.receiveRelayed(component, data, from)) return;
      this.host.deliver(component, data, from);
    });
    this.turn.set(component, client);
    return client;
  }

  /**
   * In the worker the leg moved to: each component's allocation carries on from this socket
   * (same port, so the same 5-tuple). When the server lost it and a fresh Allocate gave another
   * relayed address, the relay candidate takes it: our checks then come from there, and the
   * peer learns it as peer-reflexive (RFC 8445 §7.3.1.3); our next offer or answer names it.
   */
  private async resumeTurn(handed: NonNullable<LegIceSnapshot["turn"]>, timeoutMs: number): Promise<void> {
    const server = this.spec.turn;
    if (server === undefined) return;
    await Promise.all(
      handed.map(async ({ component, state }) => {
        const client = this.turnClient(component, server);
        const outcome = await client.resume(state, timeoutMs);
        const candidate = this.local.candidates.find((c) => c.component === component && c.type === "relay");
        if (outcome === "failed") {
          this.local.problems.push(`TURN allocation (component ${component}) lost when the leg moved to another media worker: ${client.failure ?? "no answer"}`);
          return;
        }
        const relayed = client.relayed;
        if (outcome === "reallocated" && candidate !== undefined && relayed !== undefined && (candidate.address !== relayed.address || candidate.port !== relayed.port)) {
          this.local.problems.push(`TURN allocation (component ${component}) was gone after the move to another media worker; a new one relays at ${relayed.address}:${relayed.port} instead of ${candidate.address}:${candidate.port}`);
          candidate.address = relayed.address;
          candidate.port = relayed.port;
        }
      }),
    );
  }

  /** A Binding request to `server` from the component's socket: our mapped address there. */
  private async binding(component: number, server: TransportAddress, timeoutMs: number): Promise<TransportAddress | undefined> {
    const id = newTransactionId();
    const res = await this.requester.request(buildStun({ method: StunMethod.Binding, cls: "request", transactionId: id, attributes: [] }), id, (b) => this.host.sendRaw(component, b, server), timeoutMs);
    if (res === undefined || res.cls !== "success") return undefined;
    return readXorAddress(attr(res, StunAttr.XorMappedAddress), res.transactionId) ?? readXorAddress(attr(res, StunAttr.MappedAddress), Buffer.alloc(12));
  }

  private start(): void {
    this.agent = new IceAgent({
      ufrag: this.local.ufrag,
      pwd: this.local.pwd,
      role: this.role,
      tieBreaker: BigInt(this.tieBreaker),
      candidates: this.local.candidates,
      send: (local, buf, to) => this.sendFrom(local, buf, to),
      onSelected: (component, pair) => this.onSelected(component, pair),
      onPruned: (summary) => this.host.notice?.(summary),
    });
  }

  private sendFrom(local: IceCandidate, buf: Buffer, to: TransportAddress): void {
    if (local.type === "relay") this.turn.get(local.component)?.sendTo(buf, to);
    else this.host.sendRaw(local.component, buf, to);
  }

  private onSelected(component: number, pair: CandidatePair): void {
    if (pair.local.type === "relay") this.turn.get(component)?.bindChannel(pair.remote);
    this.host.selectedChanged(component);
  }

  /** The peer's ICE parameters and our role (controlling when we offered). */
  setRemote(params: IceParameters, role: IceRole): void {
    if (this.closed) return;
    this.remote = { params, role };
    this.role = role;
    // One CreatePermission carries them all: only as many addresses as the checklist can hold pairs, the highest priority first.
    for (const [component, client] of this.turn) {
      const mine = params.candidates.filter((c) => c.component === component).sort((a, b) => b.priority - a.priority);
      client.permit([...new Set(mine.map((c) => c.address))].slice(0, MAX_CANDIDATE_PAIRS));
    }
    this.agent?.setRemote(params, role);
  }

  /**
   * A datagram the demultiplexer classed as STUN or ChannelData, on the component's socket.
   * True when ICE or TURN took it.
   */
  receive(component: number, buf: Buffer, from: TransportAddress, channel: boolean): boolean {
    const client = this.turn.get(component);
    if (channel) return client !== undefined && client.fromServer(from) && client.handleChannelData(buf);
    const msg = parseStun(buf);
    if (msg === undefined) return false;
    if (client !== undefined && client.fromServer(from) && client.handle(msg)) return true;
    if (this.requester.handle(msg)) return true;
    const local = this.local.candidates.find((c) => c.component === component && c.type === "host") ;
    return local !== undefined && this.agent !== undefined && this.agent.handle(msg, from, local);
  }

  /** A check that came through the relay (a Data indication carrying STUN) is the relay candidate's. */
  receiveRelayed(component: number, buf: Buffer, from: TransportAddress): boolean {
    const msg = parseStun(buf);
    if (msg === undefined) return false;
    const local = this.local.candidates.find((c) => c.component === component && c.type === "relay");
    return local !== undefined && this.agent !== undefined && this.agent.handle(msg, from, local);
  }

  /** True once the peer's ICE parameters are known: then only its candidates are the peer. */
  get hasRemote(): boolean {
    return this.remote !== undefined;
  }

  /** True when `from` is one of the peer's candidates of `component` (what DTLS is taken from). */
  knows(component: number, from: TransportAddress): boolean {
    return this.agent?.isRemote(component, from.address, from.port) === true;
  }

  /** Where the component's media goes, once ICE selected a pair. */
  target(component: number): { address: string; port: number; relayed: boolean } | undefined {
    const p = this.agent?.active(component);
    return p === undefined ? undefined : { address: p.remote.address, port: p.remote.port, relayed: p.local.type === "relay" };
  }

  /** The local candidate of the component's selected pair. */
  selectedLocal(component: number): IceCandidate | undefined {
    return this.agent?.active(component)?.local;
  }

  /** Sends media through the TURN relay when the component's selected pair is relayed; false otherwise. */
  sendRelayed(component: number, buf: Buffer): boolean {
    const p = this.agent?.active(component);
    if (p === undefined || p.local.type !== "relay") return false;
    this.turn.get(component)?.sendTo(buf, p.remote);
    return true;
  }

  /** The state the leg's next worker carries on with. The TURN allocations are handed over (not deleted when this closes). */
  snapshot(): LegIceSnapshot {
    const s: LegIceSnapshot = { spec: this.spec, local: this.local, tieBreaker: this.tieBreaker };
    if (this.remote !== undefined) s.remote = this.remote;
    const turn = [...this.turn].flatMap(([component, client]) => {
      const state = client.handover();
      return state === undefined ? [] : [{ component, state }];
    });
    if (turn.length > 0) s.turn = turn;
    return s;
  }

  stats(): LegIceStats | undefined {
    const a = this.agent;
    if (a === undefined) return undefined;
    return { ...a.stats(), candidates: this.local.candidates.map((c) => `${c.component} ${c.type} ${c.address}:${c.port}`), problems: [...this.local.problems] };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.agent?.close();
    this.requester.close();
    for (const t of this.turn.values()) t.close();
  }

  /** Our rtpPort, for logs. */
  get port(): number {
    return this.rtpPort;
  }
}
