/**
 * The bridge a transfer leaves behind: the two remaining parties (the transferee and the
 * target of an attended transfer) joined in the media relay, each held by a detour while they
 * talk. It ends when either hangs up — the other is hung up, as Asterisk's bridge does once a
 * party is left alone — or when a redirect or another transfer takes a party out (`letGo()`
 * first: then neither is hung up).
 *
 *   joined ──a party hangs up / is redirected──► over (the other hung up unless let go)
 */
import type { DialplanDetour } from "../dialplan/index.js";
import type { Bridge } from "../bridge/bridge.js";
import type { InboundCall } from "../channel/inbound-call.js";
import type { OriginatedCall } from "../channel/originated-call.js";
import { CAUSE } from "../channel/hangup-cause.js";

/** A channel the dialplan drives: what a transfer makes of every party it moves. */
export type DivertedChannel = InboundCall | OriginatedCall;

export class TransferBridge {
  private members: DivertedChannel[] = [];
  private over = false;
  private released = false;
  private readonly done: Promise<void>;
  private finish: () => void = () => undefined;
  private readonly joined: Promise<void>;
  private markJoined: () => void = () => undefined;

  constructor(
    private readonly bridge: Bridge,
    private readonly onOver: (tb: TransferBridge) => void,
    /** Told when the two are joined (DTMF between them). */
    private readonly onJoin: (a: DivertedChannel, b: DivertedChannel) => void = () => undefined,
  ) {
    this.done = new Promise((r) => (this.finish = r));
    this.joined = new Promise((r) => (this.markJoined = r));
  }

  /** The bridge's BridgeUniqueid. */
  get id(): string {
    return this.bridge.id;
  }

  /** The detour that holds party `index` (of the two `join()` will get) in this bridge until it is over. */
  detour(index: 0 | 1): DialplanDetour {
    return {
      label: "in a transfer's bridge",
      run: async () => {
        // Taken by the executor (perhaps before join()): a redirect from now on is a new one, and takes the party out.
        await this.joined;
        const m = this.members[index];
        if (m !== undefined) void m.whenStopped().then(() => this.stopped(m));
        await this.done;
      },
    };
  }

  /** Joins the parties' media; from now on either one's end ends the bridge. */
  join(a: DivertedChannel, b: DivertedChannel): void {
    this.members = [a, b];
    this.bridge.join(a, b);
    this.onJoin(a, b);
    for (const m of this.members) void m.whenEnded().then(() => this.stopped(m));
    this.markJoined();
  }

  has(name: string): boolean {
    return !this.over && this.members.some((m) => m.name === name);
  }

  /** The other party of `name`. */
  partnerOf(name: string): DivertedChannel | undefined {
    if (this.over) return undefined;
    const i = this.members.findIndex((m) => m.name === name);
    return i < 0 ? undefined : this.members[1 - i];
  }

  /** A transfer is about to move the parties: the bridge ends without hanging either up. */
  letGo(): void {
    this.released = true;
    this.end();
  }

  private stopped(m: DivertedChannel): void {
    if (this.over) return;
    const other = this.members.find((c) => c !== m);
    this.end();
    if (!this.released && other !== undefined && !other.hungUp() && !other.redirectPending()) void other.hangup(CAUSE.NORMAL_CLEARING);
  }

  private end(): void {
    if (this.over) return;
    this.over = true;
    this.bridge.close();
    this.finish();
    this.onOver(this);
  }
}
