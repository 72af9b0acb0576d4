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

export interface MwiOptions {
  vm: Voicemail;
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

export class MwiNotifier {
  /** NOTIFYs sent, for the console and tests. */
  sent = 0;

  constructor(private readonly o: MwiOptions) {}

  /** The mailboxes whose state goes to `ep`'s contacts: its own `mailboxes`, and those of its AORs. */
  mailboxesOf(ep: EndpointConfig): string[] {
    const dir = this.o.directory();
    const out = mailboxList(ep.mailboxes);
    for (const aor of ep.aors) for (const m of mailboxList(dir.aors.get(aor)?.mailboxes ?? "")) if (!out.includes(m)) out.push(m);
    return out;
  }

  /** A mailbox changed: tell every endpoint that lists it. */
  mailboxChanged(key: string): void {
    for (const ep of this.o.directory().endpoints.values()) {
      if (this.mailboxesOf(ep).includes(key)) this.notifyEndpoint(ep);
    }
  }

  notifyEndpoint(ep: EndpointConfig): void {
    for (const aor of ep.aors) for (const c of this.o.contacts().list(aor)) this.notifyContact(ep, c);
  }

  /** Sends `c` the state of `ep`'s mailboxes (nothing when it has none). */
  notifyContact(ep: EndpointConfig, c: ContactRecord): void {
    const boxes = this.mailboxesOf(ep);
    if (boxes.length === 0) return;
    const states = boxes.map((key) => {
      const m = this.o.vm.find(key);
      const counts = m === undefined ? { new: 0, old: 0 } : this.o.vm.counts(m);
      return { account: key.split("@")[0] ?? key, ...counts };
    });
    const send = ep.aggregateMwi
      ? [{ account: ep.voicemailExtension || (states[0]?.account ?? ep.id), new: states.reduce((n, s) => n + s.new, 0), old: states.reduce((n, s) => n + s.old, 0) }]
      : states;
    for (const s of send) this.send(ep, c, s);
  }

  private send(ep: EndpointConfig, c: ContactRecord, s: MwiState): void {
    const flow = flowFor({ uri: c.uri, source: { address: c.sourceAddress, port: c.sourcePort, transport: c.transport } }, this.o.transports());
    if (flow === undefined) return;
    const req = buildRequest({ method: "NOTIFY", uri: c.uri, flow, fromUser: ep.mwiFromUser || s.account, userAgent: this.o.userAgent() });
    const host = req.headers.get("Contact")?.replace(/^.*@([^;>]+).*$/, "$1") ?? "localhost";
    req.headers.append("Event", "message-summary");
    req.headers.append("Content-Type", "application/simple-message-summary");
    req.body = Buffer.from(messageSummaryBody(s, host));
    this.sent++;
    this.o.transactions().sendRequest(req, flow, {
      onResponse: (res) => {
        if (res.status >= 300) this.o.log.notice({ endpoint: ep.id }, `MWI NOTIFY to ${c.uri} (endpoint ${ep.id}) was refused with ${res.status} ${res.reason}`);
      },
      onTimeout: () => this.o.log.notice({ endpoint: ep.id }, `MWI NOTIFY to ${c.uri} (endpoint ${ep.id}) was not answered`),
    });
  }
}
