/**
 * Message waiting indication, unsolicited (RFC 3842 bodies in NOTIFYs nobody subscribed to, as
 * Asterisk sends for endpoint and AOR `mailboxes=`): when a mailbox changes, every registered
 * contact of every endpoint that lists it gets a NOTIFY with Event: message-summary and
 *
 *   Messages-Waiting: yes
 *   Message-Account: sip:1001@192.0.2.10
 *   Voice-Message: 1/0 (0/0)
 *
 * With aggregate_mwi=yes (the default) one NOTIFY sums the endpoint's mailboxes; with no, each
 * mailbox has its own. A phone also gets its state when it registers (ContactStatus Created).
 */
import type { Logger } from "../../core/logger.js";
import type { EndpointConfig } from "../../config/index.js";
import type { TransactionLayer } from "../../sip/transaction/transaction-layer.js";
import type { TransportSet } from "../../sip/transport/transport-set.js";
import type { EndpointDirectory } from "../endpoint/directory.js";
import { buildRequest, flowFor } from "../outbound/request-builder.js";
import type { ContactRecord, ContactStore } from "../registrar/store/contact-store.js";
import type { Voicemail } from "./voicemail.js";
import type { EventPackage } from "../subscriptions/subscription-server.js";

export const MWI_EVENT = "message-summary";

export interface MwiOptions {
  vm: Voicemail;
  /** True while the endpoint has a message-summary subscription (mwi_subscribe_replaces_unsolicited). */
  subscribed: (ep: EndpointConfig) => boolean;
  directory: () => EndpointDirectory;
  contacts: () => ContactStore;
  transactions: () => TransactionLayer;
  transports: () => TransportSet;
  userAgent: () => string;
  log: Logger;
}

/** `1001@default, 1002` → `["1001@default", "1002@default"]`. */
export function mailboxList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => (s.includes("@") ? s : `${s}@default`));
}

export interface MwiState {
  readonly account: string;
  readonly new: number;
  readonly old: number;
}

export function messageSummaryBody(s: MwiState, host: string): string {
  return `Messages-Waiting: ${s.new > 0 ? "yes" : "no"}\r\nMessage-Account: sip:${s.account}@${host}\r\nVoice-Message: ${s.new}/${s.old} (0/0)\r\n`;
}

function aggregate(states: readonly MwiState[], account: string): MwiState {
  return { account, new: states.reduce((n, s) => n + s.new, 0), old: states.reduce((n, s) => n + s.old, 0) };
}

/**
 * message-summary subscriptions (RFC 3842): a phone subscribing to its AOR watches the AOR's
 * `mailboxes` (Asterisk's solicited MWI), else its endpoint's; the resource is those mailboxes,
 * comma-joined, and every NOTIFY sums them.
 */
export function mwiPackage(vm: Voicemail, mwi: MwiNotifier, directory: () => EndpointDirectory): EventPackage {
  return {
    event: MWI_EVENT,
    contentType: "application/simple-message-summary",
    resolve(ep, user) {
      const dir = directory();
      const aor = dir.aors.get(user) ?? (ep.aors.length > 0 ? dir.aors.get(ep.aors[0]!) : undefined);
      const boxes = mailboxList(aor?.mailboxes ?? "");
      const list = boxes.length > 0 ? boxes : mailboxList(ep.mailboxes);
      return list.length > 0 ? list.join(",") : undefined;
    },
    body(resource, ep, host) {
      const states = mwi.states(resource.split(","));
      return messageSummaryBody(aggregate(states, ep.voicemailExtension || (states[0]?.account ?? ep.id)), host);
    },
  };
}

export class MwiNotifier {
  constructor(private readonly o: MwiOptions) {}


  /** A mailbox changed: tell every endpoint whose `mailboxes` lists it (unsolicited). */
  mailboxChanged(key: string): void {
    for (const ep of this.o.directory().endpoints.values()) {
      if (mailboxList(ep.mailboxes).includes(key)) this.notifyEndpoint(ep);
    }
  }

  notifyEndpoint(ep: EndpointConfig): void {
    for (const aor of ep.aors) for (const c of this.o.contacts().list(aor)) this.notifyContact(ep, c);
  }

  /** Sends `c` the state of `ep`'s mailboxes (nothing when it has none). */
  notifyContact(ep: EndpointConfig, c: ContactRecord): void {
    const boxes = mailboxList(ep.mailboxes);
    if (boxes.length === 0) return;
    if (ep.mwiSubscribeReplacesUnsolicited && this.o.subscribed(ep)) return;
    const states = this.states(boxes);
    const send = ep.aggregateMwi ? [aggregate(states, ep.voicemailExtension || (states[0]?.account ?? ep.id))] : states;
    for (const s of send) this.send(ep, c, s);
  }

  /** The counts of each mailbox (`box@context`). */
  states(boxes: readonly string[]): MwiState[] {
    return boxes.map((key) => {
      const m = this.o.vm.find(key);
      const counts = m === undefined ? { new: 0, old: 0 } : this.o.vm.counts(m);
      return { account: key.split("@")[0] ?? key, ...counts };
    });
  }

  private send(ep: EndpointConfig, c: ContactRecord, s: MwiState): void {
    const flow = flowFor({ uri: c.uri, source: { address: c.sourceAddress, port: c.sourcePort, transport: c.transport } }, this.o.transports());
    if (flow === undefined) return;
    const req = buildRequest({ method: "NOTIFY", uri: c.uri, flow, fromUser: ep.mwiFromUser || s.account, userAgent: this.o.userAgent() });
    const host = req.headers.get("Contact")?.replace(/^.*@([^;>]+).*$/, "$1") ?? "localhost";
    req.headers.append("Event", "message-summary");
    // Outside a subscription RFC 6665 has no state to give; phones (baresip) refuse a NOTIFY
    // without the header, and unsolicited MWI senders write "active".
    req.headers.append("Subscription-State", "active");
    req.headers.append("Content-Type", "application/simple-message-summary");
    req.body = Buffer.from(messageSummaryBody(s, host));
    this.o.transactions().sendRequest(req, flow, {
      onResponse: (res) => {
        if (res.status >= 300) this.o.log.notice({ endpoint: ep.id }, `MWI NOTIFY to ${c.uri} (endpoint ${ep.id}) was refused with ${res.status} ${res.reason}`);
      },
      onTimeout: () => this.o.log.notice({ endpoint: ep.id }, `MWI NOTIFY to ${c.uri} (endpoint ${ep.id}) was not answered`),
    });
  }
}
