/**
 * ContactStatus events (Asterisk's AMI event of that name) from the registrar and the
 * qualifier: `Created` when a REGISTER adds a binding, `Updated` when one refreshes it,
 * `Removed` when it is unregistered, expires or is evicted, and `Reachable`/`Unreachable` when
 * a qualify changes the contact's state.
 */
import type { EventSink } from "../../core/event-bus.js";
import type { ContactStatusValue, PbxEvents } from "../events.js";
import type { ContactState, Qualifier } from "./qualify.js";
import type { Registrar } from "./registrar.js";
import type { ContactRecord } from "./store/contact-store.js";

const FROM_QUALIFY: Record<ContactState["status"], ContactStatusValue> = {
  Reachable: "Reachable",
  Unreachable: "Unreachable",
  Unknown: "Unknown",
  NonQualified: "Unqualified",
};

/** The event for one contact. */
export function contactStatusEvent(c: ContactRecord, status: ContactStatusValue, rttUs?: number): PbxEvents["ContactStatus"] {
  return {
    URI: c.uri,
    ContactStatus: status,
    AOR: c.aor,
    EndpointName: c.endpoint,
    RoundtripUsec: rttUs ?? 0,
    UserAgent: c.userAgent,
    RegExpire: Math.floor(c.expiresAt / 1000),
    ViaAddress: `${c.viaAddr}:${c.viaPort}`,
    CallID: c.callId,
  };
}

/** Emits ContactStatus for what the registrar and the qualifier report; returns the unsubscribe. */
export function publishContactStatus(o: { registrar: Registrar; qualifier: Qualifier; events: EventSink<PbxEvents> }): () => void {
  const emit = (c: ContactRecord, status: ContactStatusValue, rttUs?: number) => {
    if (o.events.wants("ContactStatus")) o.events.emit("ContactStatus", contactStatusEvent(c, status, rttUs));
  };
  const off = [
    o.registrar.on("added", (c) => emit(c, "Created")),
    o.registrar.on("updated", (c) => emit(c, "Updated")),
    o.registrar.on("removed", (c) => emit(c, "Removed")),
    o.qualifier.on("status", (c, st) => emit(c, FROM_QUALIFY[st.status], st.rttUs)),
  ];
  return () => {
    for (const u of off.splice(0)) u();
  };
}
