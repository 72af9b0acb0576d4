/**
 * A phone holds its call (a re-INVITE or UPDATE with sendonly or inactive, which the call
 * manager reports as a Hold event): the other party of the bridge hears music on hold until the
 * phone takes the call off hold (Unhold), the bridge ends or either hangs up. The class is the
 * held channel's own (CHANNEL(musicclass)), else the holding endpoint's `moh_suggest`, else
 * `default` (moh-service.ts has the order). A Hold whose channel is not in a two-party call
 * (an ARI channel in a Stasis bridge) plays nothing.
 */
import type { EndpointConfig } from "../../config/index.js";
import type { CallManager } from "../channel/call-manager.js";
import type { MohLeg } from "./moh-player.js";

export interface HoldParties {
  /** The endpoint of the phone that holds. */
  readonly holder: EndpointConfig;
  /** The party that hears the music, with its channel variables (for CHANNEL(musicclass)). */
  readonly held: MohLeg & { readonly vars: ReadonlyMap<string, string> };
}

/** The other party of `holderName`'s bridged call, or undefined when it is in none. */
export function holdParties(calls: Pick<CallManager, "calls" | "originated">, holderName: string): HoldParties | undefined {
  for (const c of [...calls.calls, ...calls.originated]) {
    const peer = c.peer;
    if (peer === undefined || c.bridge?.has(peer.name) !== true) continue;
    if (c.name === holderName) return { holder: c.endpoint, held: { name: peer.name, media: peer.media, vars: peer.channel.vars } };
    if (peer.name === holderName) return { holder: peer.endpoint, held: { name: c.name, media: c.media, vars: c.vars } };
  }
  return undefined;
}
