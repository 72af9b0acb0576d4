/**
 * The `presence` event package's body (RFC 3856; PIDF, RFC 3863, application/pidf+xml) for a
 * hint. The tuple's basic status is `open` while the extension can take a call and `closed`
 * when it is unavailable; a note says what it is doing (the words phones show), and a call in
 * progress adds the RPID activity on-the-phone (RFC 4480 §3.2) for phones that read it.
 *
 *   Idle                 open    Ready
 *   Ringing              open    Ringing
 *   InUse, Busy          open    On the phone   (+ rpid on-the-phone)
 *   Hold                 open    On hold        (+ rpid on-the-phone)
 *   Unavailable, Unknown closed  Unavailable
 */
import type { ExtensionStatusText } from "../hints/extension-state.js";
import { xmlEscape } from "./xml.js";

export const PRESENCE_EVENT = "presence";
export const PIDF_TYPE = "application/pidf+xml";

export interface PresenceState {
  readonly basic: "open" | "closed";
  readonly note: string;
  readonly onThePhone: boolean;
}

export function presenceOf(text: ExtensionStatusText): PresenceState {
  switch (text) {
    case "Idle":
      return { basic: "open", note: "Ready", onThePhone: false };
    case "Ringing":
      return { basic: "open", note: "Ringing", onThePhone: false };
    case "InUse&Ringing":
      return { basic: "open", note: "Ringing", onThePhone: true };
    case "InUse":
    case "Busy":
      return { basic: "open", note: "On the phone", onThePhone: true };
    case "Hold":
    case "InUse&Hold":
      return { basic: "open", note: "On hold", onThePhone: true };
    default:
      return { basic: "closed", note: "Unavailable", onThePhone: false };
  }
}

export interface Presence {
  /** The presentity: the SUBSCRIBE's Request-URI (`sip:2002@pbx`). */
  readonly entity: string;
  /** The tuple's id: the extension. */
  readonly exten: string;
  readonly text: ExtensionStatusText;
}

/** The PIDF document for `p`. */
export function pidfBody(p: Presence): string {
  const s = presenceOf(p.text);
  const entity = xmlEscape(p.entity);
  const person = s.onThePhone
    ? `  <dm:person id="p-${xmlEscape(p.exten)}">\n    <rpid:activities>\n      <rpid:on-the-phone/>\n    </rpid:activities>\n  </dm:person>\n`
    : "";
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="${entity}">\n` +
    `  <tuple id="${xmlEscape(p.exten)}">\n` +
    `    <status>\n      <basic>${s.basic}</basic>\n    </status>\n` +
    `    <contact priority="1">${entity}</contact>\n` +
    `    <note>${s.note}</note>\n` +
    `  </tuple>\n` +
    // RFC 3863 §4.1.4: notes come after the tuples, elements of other namespaces last.
    `  <note>${s.note}</note>\n` +
    person +
    `</presence>\n`
  );
}
