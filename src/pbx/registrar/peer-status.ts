/**
 * An endpoint's reachability as the PeerStatus event reports it: Reachable once one of its
 * contacts registered or answered qualify, Unreachable when the last such contact was removed
 * or stopped answering. Fed the ContactStatus events, it emits PeerStatus only on a change.
 */
import type { EventSink } from "../../core/event-bus.js";
import type { PbxEvents } from "../events.js";

export class PeerStatusTracker {
  /** endpoint → URIs of its contacts that count as reachable now. */
  private readonly up = new Map<string, Set<string>>();

  constructor(private readonly events: EventSink<PbxEvents>) {}

  contactStatus(e: PbxEvents["ContactStatus"]): void {
    const ep = e.EndpointName;
    if (ep.length === 0) return;
    const set = this.up.get(ep) ?? new Set<string>();
    const before = set.size > 0;
    if (e.ContactStatus === "Removed" || e.ContactStatus === "Unreachable") set.delete(e.URI);
    else set.add(e.URI);
    if (set.size === 0) this.up.delete(ep);
    else this.up.set(ep, set);
    const after = set.size > 0;
    if (before !== after && this.events.wants("PeerStatus")) {
      this.events.emit("PeerStatus", { ChannelType: "PJSIP", Peer: `PJSIP/${ep}`, PeerStatus: after ? "Reachable" : "Unreachable" });
    }
  }
}
