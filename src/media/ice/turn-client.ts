/**
 * A TURN client (RFC 8656) on one of a leg's sockets: one UDP allocation with long-term
 * credentials (§5, RFC 8489 §9.2: the first Allocate is answered 401 with REALM and NONCE, the
 * next carries USERNAME, REALM, NONCE and MESSAGE-INTEGRITY), refreshed before its lifetime
 * ends (§7), permissions for the peer addresses ICE checks (§9, refreshed every 4 minutes: they
 * last 5), a channel for the selected peer (§12, ChannelData instead of Send indications), and
 * Data indications and ChannelData unwrapped for the leg.
 *
 * When the leg moves to another media worker, the allocation goes with it: the new worker binds
 * the same port, so the 5-tuple the server knows the allocation by is unchanged (§2.2). The old
 * client hands its state over without deleting the allocation (`handover`), and the new one
 * carries on (`resume`): a Refresh at once (the old timers are gone, and it proves the
 * allocation is still there), then the permissions and channels again. Should the server no
 * longer have it (437 Allocation Mismatch, or no answer), a fresh Allocate follows.
 *
 *     ChannelData (§12.4):
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |         Channel Number        |            Length             |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    /                       Application Data                        /
 */
import { attr, buildStun, checkIntegrity, longTermKey, newTransactionId, readErrorCode, readXorAddress, StunAttr, StunMethod, u32, xorAddress, type ParsedStun, type StunAttribute, type TransportAddress } from "../stun/stun-packet.js";
import { StunRequester } from "../stun/stun-requester.js";

export interface TurnServer {
  address: string;
  port: number;
  username: string;
  password: string;
}

/** §9: "permissions ... last for 300 seconds"; refreshed a minute early. */
const PERMISSION_REFRESH_MS = 240_000;
/** §12: channel bindings last 10 minutes. */
const CHANNEL_REFRESH_MS = 540_000;
/** RFC 8656 §18.9: UDP = 17 in the first byte of REQUESTED-TRANSPORT. */
const UDP = 17 << 24;
const FIRST_CHANNEL = 0x4000;

/** A client's allocation as the next worker needs it: plain data, as worker messages carry it. */
export interface TurnClientState {
  relayed: TransportAddress;
  mapped?: TransportAddress;
  realm: string;
  nonce: string;
  /** Seconds, as the server granted them. */
  lifetime: number;
  permissions: string[];
  channels: Array<{ peer: TransportAddress; number: number }>;
  nextChannel: number;
}

/** How `resume` ended: the allocation carried on, a new one replaced it, or there is none. */
export type TurnResumeOutcome = "resumed" | "reallocated" | "failed";

export class TurnClient {
  relayed: TransportAddress | undefined;
  mapped: TransportAddress | undefined;
  /** Why the allocation failed, for the media doctor. */
  failure: string | undefined;
  private realm = "";
  private nonce = "";
  private key: Buffer | undefined;
  private readonly requester = new StunRequester();
  private readonly permissions = new Set<string>();
  private readonly channels = new Map<string, { number: number; ready: boolean }>();
  private readonly byChannel = new Map<number, TransportAddress>();
  private nextChannel = FIRST_CHANNEL;
  private timers: NodeJS.Timeout[] = [];
  private closed = false;
  private lifetime = 600;

  constructor(
    readonly server: TurnServer,
    /** Sends a datagram to the TURN server from the leg's socket. */
    private readonly sendToServer: (buf: Buffer) => void,
    /** A peer's datagram that came through the relay. */
    private readonly onData: (buf: Buffer, from: TransportAddress) => void,
  ) {}

  /** True for datagrams from the TURN server's address. */
  fromServer(from: TransportAddress): boolean {
    return from.port === this.server.port && from.address === this.server.address;
  }

  /** Requests the allocation; resolves with the relayed address, or undefined (and `failure`). */
  async allocate(timeoutMs = 3000): Promise<TransportAddress | undefined> {
    const transport = { type: StunAttr.RequestedTransport, value: u32(UDP) };
    const res = await this.request(StunMethod.Allocate, [transport], timeoutMs);
    if (res === undefined) return undefined;
    if (res.cls === "error") {
      this.failure = `TURN Allocate refused: ${readErrorCode(attr(res, StunAttr.ErrorCode)) ?? "?"}`;
      return undefined;
    }
    this.relayed = readXorAddress(attr(res, StunAttr.XorRelayedAddress), res.transactionId);
    this.mapped = readXorAddress(attr(res, StunAttr.XorMappedAddress), res.transactionId);
    if (this.relayed === undefined) {
      this.failure = "TURN Allocate answer has no XOR-RELAYED-ADDRESS";
      return undefined;
    }
    const raw = attr(res, StunAttr.Lifetime);
    // A LIFETIME shorter than its four bytes is the server's mistake, not a reason to throw.
    this.lifetime = raw !== undefined && raw.length >= 4 ? raw.readUInt32BE(0) : 600;
    this.startRefreshing();
    return this.relayed;
  }

  private startRefreshing(): void {
    const lifetime = this.lifetime;
    this.every(Math.max(30, lifetime - 60) * 1000, () => void this.request(StunMethod.Refresh, [{ type: StunAttr.Lifetime, value: u32(lifetime) }]));
    this.every(PERMISSION_REFRESH_MS, () => this.sendPermissions([...this.permissions]));
    this.every(CHANNEL_REFRESH_MS, () => {
      for (const [peer, ch] of this.channels) void this.bindRequest(peer, ch.number);
    });
  }

  /**
   * Stops this client without deleting the allocation, and returns what the client in the
   * leg's next worker needs to carry on with it (undefined without an allocation). The client
   * is closed afterwards; its `close()` sends nothing.
   */
  handover(): TurnClientState | undefined {
    if (this.closed) return undefined;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.closed = true;
    this.requester.close();
    if (this.relayed === undefined) return undefined;
    return {
      relayed: { ...this.relayed },
      ...(this.mapped !== undefined ? { mapped: { ...this.mapped } } : {}),
      realm: this.realm,
      nonce: this.nonce,
      lifetime: this.lifetime,
      permissions: [...this.permissions],
      channels: [...this.byChannel].map(([number, peer]) => ({ peer: { ...peer }, number })),
      nextChannel: this.nextChannel,
    };
  }

  /**
   * Carries on with the allocation another client handed over (same server, same local port):
   * §7.3's Refresh first, then the permissions and channel bindings again. When the server no
   * longer has the allocation, a fresh Allocate; `relayed` then names the new relayed address.
   */
  async resume(state: TurnClientState, timeoutMs = 3000): Promise<TurnResumeOutcome> {
    this.realm = state.realm;
    this.nonce = state.nonce;
    // A server that asked for no credentials (no 401, so no realm) gets none now either.
    if (this.realm !== "" || this.nonce !== "") this.key = longTermKey(this.server.username, this.realm, this.server.password);
    this.lifetime = state.lifetime;
    // Ours from now on: a close() during the Refresh deletes it rather than leaving it to expire.
    this.relayed = { ...state.relayed };
    const res = await this.request(StunMethod.Refresh, [{ type: StunAttr.Lifetime, value: u32(state.lifetime) }], timeoutMs);
    if (this.closed) return "failed";
    if (res?.cls === "success") {
      if (state.mapped !== undefined) this.mapped = { ...state.mapped };
      const raw = attr(res, StunAttr.Lifetime);
      if (raw !== undefined && raw.length >= 4) this.lifetime = raw.readUInt32BE(0);
      this.startRefreshing();
      this.nextChannel = state.nextChannel;
      this.permit(state.permissions);
      for (const c of state.channels) {
        const key = `${c.peer.address}:${c.peer.port}`;
        this.channels.set(key, { number: c.number, ready: false });
        this.byChannel.set(c.number, { ...c.peer });
        void this.bindRequest(key, c.number);
      }
      this.failure = undefined;
      return "resumed";
    }
    // 437 Allocation Mismatch (§7.3: no allocation for this 5-tuple), or no answer: start over.
    this.failure = undefined;
    this.relayed = undefined;
    const relayed = await this.allocate(timeoutMs);
    if (relayed === undefined) return "failed";
    this.permit(state.permissions);
    return "reallocated";
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  /**
   * An authenticated request: without credentials first, then again with the realm and nonce of
   * a 401; a 438 (stale nonce) is retried once with the new nonce (RFC 8489 §9.2.5).
   */
  private async request(method: number, attributes: StunAttribute[], timeoutMs = 3000): Promise<ParsedStun | undefined> {
    for (let attempt = 0; attempt < 3 && !this.closed; attempt++) {
      const id = newTransactionId();
      const auth: StunAttribute[] =
        this.key === undefined
          ? []
          : [
              { type: StunAttr.Username, value: Buffer.from(this.server.username, "utf8") },
              { type: StunAttr.Realm, value: Buffer.from(this.realm, "utf8") },
              { type: StunAttr.Nonce, value: Buffer.from(this.nonce, "utf8") },
            ];
      const buf = buildStun({ method, cls: "request", transactionId: id, attributes: [...attributes, ...auth] }, this.key);
      const res = await this.requester.request(buf, id, this.sendToServer, timeoutMs);
      if (res === undefined) {
        this.failure = `no answer from the TURN server ${this.server.address}:${this.server.port}`;
        return undefined;
      }
      if (res.cls === "error") {
        const code = readErrorCode(attr(res, StunAttr.ErrorCode));
        const realm = attr(res, StunAttr.Realm)?.toString("utf8");
        const nonce = attr(res, StunAttr.Nonce)?.toString("utf8");
        if ((code === 401 && (this.key === undefined || nonce !== this.nonce)) || code === 438) {
          if (nonce === undefined) return res;
          if (realm !== undefined) this.realm = realm;
          this.nonce = nonce;
          this.key = longTermKey(this.server.username, this.realm, this.server.password);
          continue;
        }
        if (code === 401) this.failure = "TURN server refused turnusername/turnpassword (401)";
        return res;
      }
      if (this.key !== undefined && !checkIntegrity(res, this.key)) {
        this.failure = "TURN answer failed its MESSAGE-INTEGRITY check";
        return undefined;
      }
      return res;
    }
    return undefined;
  }

  /** Installs permissions for peer IPs (ICE's remote candidates): one CreatePermission for all new ones. */
  permit(addresses: readonly string[]): void {
    const fresh = [...new Set(addresses)].filter((a) => !this.permissions.has(a));
    if (fresh.length === 0 || this.relayed === undefined) return;
    for (const a of fresh) this.permissions.add(a);
    this.sendPermissions(fresh);
  }

  private sendPermissions(addresses: string[]): void {
    if (addresses.length === 0 || this.closed) return;
    const id = newTransactionId();
    void this.request(
      StunMethod.CreatePermission,
      addresses.map((address) => ({ type: StunAttr.XorPeerAddress, value: xorAddress({ address, port: 0 }, id) })),
    );
  }

  /** Binds a channel to `peer` (the selected pair's remote): media then goes as ChannelData. */
  bindChannel(peer: TransportAddress): void {
    const key = `${peer.address}:${peer.port}`;
    if (this.channels.has(key) || this.nextChannel > 0x4fff) return;
    const number = this.nextChannel++;
    this.channels.set(key, { number, ready: false });
    this.byChannel.set(number, { ...peer });
    void this.bindRequest(key, number);
  }

  private async bindRequest(key: string, number: number): Promise<void> {
    const peer = this.byChannel.get(number);
    if (peer === undefined) return;
    const ch = Buffer.alloc(4);
    ch.writeUInt16BE(number);
    const res = await this.request(StunMethod.ChannelBind, [
      { type: StunAttr.ChannelNumber, value: ch },
      { type: StunAttr.XorPeerAddress, value: xorAddress(peer, newTransactionId()) },
    ]);
    const c = this.channels.get(key);
    if (c !== undefined && res?.cls === "success") c.ready = true;
  }

  /** Sends `buf` to `peer` through the relay: ChannelData once its channel is bound, else a Send indication (§11). */
  sendTo(buf: Buffer, peer: TransportAddress): void {
    if (this.closed) return;
    const ch = this.channels.get(`${peer.address}:${peer.port}`);
    if (ch?.ready === true) {
      const head = Buffer.alloc(4);
      head.writeUInt16BE(ch.number, 0);
      head.writeUInt16BE(buf.length, 2);
      this.sendToServer(Buffer.concat([head, buf]));
      return;
    }
    const id = newTransactionId();
    this.sendToServer(
      buildStun(
        { method: StunMethod.Send, cls: "indication", transactionId: id, attributes: [{ type: StunAttr.XorPeerAddress, value: xorAddress(peer, id) }, { type: StunAttr.Data, value: buf }] },
        undefined,
        false,
      ),
    );
  }

  /** A STUN message from the server: a response to one of ours, or a Data indication. True when taken. */
  handle(msg: ParsedStun): boolean {
    if (this.requester.handle(msg)) return true;
    if (msg.method === StunMethod.Data && msg.cls === "indication") {
      const from = readXorAddress(attr(msg, StunAttr.XorPeerAddress), msg.transactionId);
      const data = attr(msg, StunAttr.Data);
      if (from !== undefined && data !== undefined) this.onData(data, from);
      return true;
    }
    return false;
  }

  /** ChannelData from the server (first byte 0x40-0x4f). True when taken. */
  handleChannelData(buf: Buffer): boolean {
    if (buf.length < 4) return false;
    const peer = this.byChannel.get(buf.readUInt16BE(0));
    const len = buf.readUInt16BE(2);
    if (peer === undefined || 4 + len > buf.length) return false;
    this.onData(buf.subarray(4, 4 + len), peer);
    return true;
  }

  /** Deletes the allocation (a Refresh with LIFETIME 0, §7) and stops the timers. Safe twice. */
  close(): void {
    if (this.closed) return;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.relayed !== undefined && this.key !== undefined) {
      const id = newTransactionId();
      const auth: StunAttribute[] = [
        { type: StunAttr.Lifetime, value: u32(0) },
        { type: StunAttr.Username, value: Buffer.from(this.server.username, "utf8") },
        { type: StunAttr.Realm, value: Buffer.from(this.realm, "utf8") },
        { type: StunAttr.Nonce, value: Buffer.from(this.nonce, "utf8") },
      ];
      this.sendToServer(buildStun({ method: StunMethod.Refresh, cls: "request", transactionId: id, attributes: auth }, this.key));
    }
    this.closed = true;
    this.requester.close();
  }
}

