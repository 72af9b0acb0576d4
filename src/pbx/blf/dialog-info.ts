/**
 * The `dialog` event package's body (RFC 4235, application/dialog-info+xml) for a hint: one
 * `<dialog>` element named after the extension whose `<state>` follows the hint's extension
 * state, the way busy lamp fields read it:
 *
 *   Ringing                  → early (direction="recipient": someone is calling the extension)
 *   InUse&Ringing            → confirmed; early with the watcher's notify_early_inuse_ringing
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

export function dialogStateOf(text: ExtensionStatusText, earlyInuseRinging = false): DialogState {
  switch (text) {
    case "Ringing":
      return "early";
    case "InUse&Ringing":
      return earlyInuseRinging ? "early" : "confirmed";
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
  /** The call that shows the state, when there is one: its direction and the other party. */
  readonly call?: { readonly direction: "initiator" | "recipient"; readonly remote: { readonly num: string; readonly name: string } } | undefined;
  /**
   * The SIP dialog of a ringing call as the watched extension sees it (RFC 4235 §4.1: its
   * Call-ID, its own tag, ours), so that a phone can pick it up with an INVITE carrying
   * `Replaces: <call-id>;to-tag=<remote-tag>;from-tag=<local-tag>` (RFC 3891).
   */
  readonly sipDialog?: { readonly callId: string; readonly localTag: string; readonly remoteTag: string } | undefined;
  /** The watcher's notify_early_inuse_ringing: InUse&Ringing is early, not confirmed. */
  readonly earlyInuseRinging?: boolean;
  /** Host (and port) of the identities' URIs: our address toward the watcher. */
  readonly host?: string;
}

/** The dialog-info document for `d`. */
export function dialogInfoBody(d: DialogInfo): string {
  const state = dialogStateOf(d.text, d.earlyInuseRinging);
  const call = state === "terminated" ? undefined : d.call;
  // RFC 4235 §4.1.6.1: direction is "recipient" when the observed user did not initiate the dialog.
  const dir = call?.direction ?? (state === "early" ? "recipient" : undefined);
  const direction = dir === undefined ? "" : ` direction="${dir}"`;
  const sip = state === "early" ? d.sipDialog : undefined;
  const ids = sip === undefined ? "" : ` call-id="${xmlEscape(sip.callId)}" local-tag="${xmlEscape(sip.localTag)}" remote-tag="${xmlEscape(sip.remoteTag)}"`;
  // A held call is shown as RFC 4235 §4.1.6.2 describes a target not rendering media.
  const held = d.text === "Hold" || d.text === "InUse&Hold";
  const entity = xmlEscape(d.entity);
  let parties = "";
  if (call !== undefined || held) {
    const target = held ? `<target uri="${entity}">\n        <param pname="+sip.rendering" pvalue="no"/>\n      </target>` : `<target uri="${entity}"/>`;
    parties += `    <local>\n      <identity>${entity}</identity>\n      ${target}\n    </local>\n`;
  }
  if (call !== undefined && call.remote.num !== "") {
    const uri = xmlEscape(`sip:${call.remote.num}@${d.host ?? "localhost"}`);
    const display = call.remote.name !== "" ? ` display="${xmlEscape(call.remote.name)}"` : "";
    parties += `    <remote>\n      <identity${display}>${uri}</identity>\n      <target uri="${uri}"/>\n    </remote>\n`;
  }
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${d.version}" state="full" entity="${entity}">\n` +
    `  <dialog id="${xmlEscape(d.exten)}"${ids}${direction}>\n` +
    `    <state>${state}</state>\n` +
    parties +
    `  </dialog>\n` +
    `</dialog-info>\n`
  );
}
