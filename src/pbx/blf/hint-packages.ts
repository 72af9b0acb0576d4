/**
 * The `dialog` and `presence` event packages over hints: a SUBSCRIBE to `sip:2002@pbx` watches
 * the hint of extension 2002 in the endpoint's `subscribe_context` (its `context` when that is
 * empty), as Asterisk's res_pjsip_exten_state looks it up. An extension without a hint there is
 * nothing to watch (404). The resource is `exten@context`; its NOTIFY bodies are built from the
 * hint's extension state at the moment each NOTIFY is sent.
 */
import type { EndpointConfig } from "../../config/index.js";
import type { ExtensionStatusText } from "../hints/extension-state.js";
import type { EventPackage } from "../subscriptions/subscription-server.js";
import { DIALOG_EVENT, DIALOG_INFO_TYPE, dialogInfoBody, type DialogInfo } from "./dialog-info.js";
import { PIDF_TYPE, PRESENCE_EVENT, pidfBody } from "./pidf.js";

/** What the packages need of the hints: a hint's extension state, undefined when there is no hint. */
export type HintLookup = (exten: string, context: string) => ExtensionStatusText | undefined;
/** The call that shows a hint's state (dialog-info identities, the ringing SIP dialog), when one is known. */
export type HintCall = (exten: string, context: string, text: ExtensionStatusText) => Pick<DialogInfo, "call" | "sipDialog"> | undefined;

/** The context a SUBSCRIBE from `ep` looks its hints up in. */
export function subscribeContextOf(ep: EndpointConfig): string {
  return ep.subscribeContext !== "" ? ep.subscribeContext : ep.context;
}

/** `2002@hints` → `{ exten: "2002", context: "hints" }` (an extension may not contain `@`). */
export function splitResource(resource: string): { exten: string; context: string } {
  const at = resource.lastIndexOf("@");
  return { exten: resource.slice(0, at), context: resource.slice(at + 1) };
}

function resolver(lookup: HintLookup): EventPackage["resolve"] {
  return (ep, user) => {
    const context = subscribeContextOf(ep);
    return user !== "" && lookup(user, context) !== undefined ? `${user}@${context}` : undefined;
  };
}

/** The entity of a document: the Request-URI without its parameters. */
function entityOf(uri: string): string {
  return uri.replace(/[;?].*$/, "");
}

export function dialogPackage(lookup: HintLookup, callOf: HintCall = () => undefined): EventPackage {
  return {
    event: DIALOG_EVENT,
    contentType: DIALOG_INFO_TYPE,
    resolve: resolver(lookup),
    body(resource, ep, host, sub) {
      const { exten, context } = splitResource(resource);
      const text = lookup(exten, context) ?? "Unavailable";
      const known = callOf(exten, context, text);
      return dialogInfoBody({ entity: entityOf(sub.uri), version: sub.notifies, exten, text, call: known?.call, sipDialog: known?.sipDialog, host, earlyInuseRinging: ep.notifyEarlyInuseRinging });
    },
  };
}

export function presencePackage(lookup: HintLookup): EventPackage {
  return {
    event: PRESENCE_EVENT,
    contentType: PIDF_TYPE,
    resolve: resolver(lookup),
    body(resource, _ep, _host, sub) {
      const { exten, context } = splitResource(resource);
      return pidfBody({ entity: entityOf(sub.uri), exten, text: lookup(exten, context) ?? "Unavailable" });
    },
  };
}
