/**
 * The `dialog` event package's body (RFC 4235, application/dialog-info+xml) for a hint: one
 * `<dialog>` element named after the extension whose `<state>` follows the hint's extension
 * state, the way busy lamp fields read it:
 *
 *   Ringing, InUse&Ringing   → early (direction="recipient": someone is calling the extension)
 *   InUse, Busy, Hold, …     → confirmed
 *   Idle, Unavailable, …     → terminated
 *
 * Every document is a full one (state="full"); `version` counts the NOTIFYs of one subscription
 * from 0 (RFC 4235 §4.1.1).
 */
import type { ExtensionStatusText } from "../hints/extension-state.js";
import { xmlEscape } from "./xml.js";

export const DIALOG_EVENT = "dialog";
export const DIALOG_INFO_TYPE = "application/dialog-info+xml";

/** RFC 4235 §3.7.1's dialog states that a hint can be in. */
export type DialogState = "early" | "confirmed" | "terminated";

export function dialogStateOf(text: ExtensionStatusText): DialogState {
  switch (text) {
    case "Ringing":
    case "InUse&Ringing":
      return "early";
    case "InUse":
    case "Busy":
    case "Hold":
    case "InUse&Hold":
      return "confirmed";
    default:
      return "terminated";
  }
}

export interface DialogInfo {
  /** The watched resource: the SUBSCRIBE's Request-URI (`sip:2002@pbx`). */
  readonly entity: string;
  readonly version: number;
  /** The dialog's id: the extension. */
  readonly exten: string;
  readonly text: ExtensionStatusText;
}

/** The dialog-info document for `d`. */
export function dialogInfoBody(d: DialogInfo): string {
  const state = dialogStateOf(d.text);
  // RFC 4235 §4.1.6.1: direction is "recipient" when the observed user did not initiate the dialog.
  const direction = state === "early" ? ' direction="recipient"' : "";
  // A held call is shown as RFC 4235 §4.1.6.2 describes a target not rendering media.
  const held = d.text === "Hold" || d.text === "InUse&Hold" ? `    <local>\n      <target uri="${xmlEscape(d.entity)}">\n        <param pname="+sip.rendering" pvalue="no"/>\n      </target>\n    </local>\n` : "";
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${d.version}" state="full" entity="${xmlEscape(d.entity)}">\n` +
    `  <dialog id="${xmlEscape(d.exten)}"${direction}>\n` +
    `    <state>${state}</state>\n` +
    held +
    `  </dialog>\n` +
    `</dialog-info>\n`
  );
}
