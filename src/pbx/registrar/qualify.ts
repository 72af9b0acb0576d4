/**
 * Qualify: OPTIONS pings to each contact of an AOR with `qualify_frequency` > 0. Any response
 * within `qualify_timeout` makes the contact Reachable with its round-trip time (only 2xx with
 * `qualify_2xx_only`); no response makes it Unreachable. Status changes are logged the way
 * Asterisk logs them and emitted as `status` (the registrar module turns them into the
 * ContactStatus event).
 */
import type { Clock, TimerHandle } from "../../core/clock.js";
import { TypedEmitter } from "../../core/emitter.js";
import { ASTERISK_SOURCE, type Logger } from "../../core/logger.js";
import type { TransactionLayer } from "../../sip/transaction/transaction-layer.js";
import type { TransportSet } from "../../sip/transport/transport-set.js";
import type { EndpointDirectory } from "../endpoint/directory.js";
import { buildRequest, flowFor } from "../outbound/request-builder.js";
import type { ContactRecord } from "./store/contact-store.js";

export type ContactStatus = "Reachable" | "Unreachable" | "Unknown" | "NonQualified";

export interface ContactState {
  status: ContactStatus;
  /** Round-trip time in microseconds, when Reachable. */
  rttUs?: number | undefined;
}

export interface QualifierOptions {
  transactions: TransactionLayer;
  transports: TransportSet;
  directory: () => EndpointDirectory;
  clock: Clock;
  log: Logger;
  userAgent: () => string;
}

export interface QualifierEvents {
  [k: string]: unknown[];
  /** A tracked contact's status changed (not emitted when a probe confirms the same status). */
  status: [ContactRecord, ContactState];
}

export class Qualifier extends TypedEmitter<QualifierEvents> {
  private readonly states = new Map<string, ContactState>();
  private readonly timers = new Map<string, TimerHandle>();
  private readonly contacts = new Map<string, ContactRecord>();

  constructor(private readonly opts: QualifierOptions) {
    super();
  }

  state(c: ContactRecord): ContactState {
    const aor = this.opts.directory().aors.get(c.aor);
    if (!aor || aor.qualifyFrequency <= 0) return { status: "NonQualified" };
    return this.states.get(c.id) ?? { status: "Unknown" };
  }

  track(c: ContactRecord): void {
    this.contacts.set(c.id, c);
    if (this.timers.has(c.id)) return;
    const aor = this.opts.directory().aors.get(c.aor);
    if (!aor || aor.qualifyFrequency <= 0) return;
    this.schedule(c.id, 0);
  }

  untrack(id: string): void {
    this.timers.get(id)?.cancel();
    this.timers.delete(id);
    this.states.delete(id);
    this.contacts.delete(id);
  }

  /** Re-evaluates every tracked contact after a reload changed qualify settings. */
  refresh(): void {
    for (const c of [...this.contacts.values()]) {
      this.timers.get(c.id)?.cancel();
      this.timers.delete(c.id);
      this.track(c);
    }
  }

  private schedule(id: string, delayMs: number): void {
    this.timers.set(
      id,
      this.opts.clock.setTimeout(() => {
        this.timers.delete(id);
        const c = this.contacts.get(id);
        if (!c) return;
        const aor = this.opts.directory().aors.get(c.aor);
        if (!aor || aor.qualifyFrequency <= 0) return;
        // The probe reports its outcome through the contact state and events; nothing awaits it.
        void this.probe(c, aor.qualifyTimeout, aor.qualify2xxOnly ?? false);
        this.schedule(id, aor.qualifyFrequency * 1000);
      }, delayMs),
    );
  }

  /** Sends one OPTIONS; resolves with the new state. */
  probe(c: ContactRecord, timeoutSec: number, only2xx: boolean): Promise<ContactState> {
    const flow = flowFor({ uri: c.uri, source: { address: c.sourceAddress, port: c.sourcePort, transport: c.transport } }, this.opts.transports);
    if (!flow) {
      this.setState(c, { status: "Unreachable" });
      return Promise.resolve({ status: "Unreachable" });
    }
    const req = buildRequest({ method: "OPTIONS", uri: c.uri, flow, fromUser: "switchboard", userAgent: this.opts.userAgent() });
    const started = process.hrtime.bigint();
    return new Promise((resolve) => {
      let settled = false;
      const finish = (st: ContactState) => {
        if (settled) return;
        settled = true;
        timer.cancel();
        this.setState(c, st);
        resolve(st);
      };
      const timer = this.opts.clock.setTimeout(() => {
        tx.close();
        finish({ status: "Unreachable" });
      }, Math.max(1, timeoutSec * 1000));
      const tx = this.opts.transactions.sendRequest(req, flow, {
        onResponse: (res) => {
          if (res.status < 200) return;
          const rttUs = Number((process.hrtime.bigint() - started) / 1000n);
          finish(only2xx && res.status >= 300 ? { status: "Unreachable" } : { status: "Reachable", rttUs });
        },
        onTimeout: () => finish({ status: "Unreachable" }),
      });
    });
  }

  private setState(c: ContactRecord, st: ContactState): void {
    if (!this.contacts.has(c.id)) return;
    const prev = this.states.get(c.id);
    this.states.set(c.id, st);
    if (prev?.status === st.status) return;
    const rtt = ((st.rttUs ?? 0) / 1000).toFixed(3);
    // Asterisk's pjsip_options.c line (two spaces before RTT), for every change; an unreachable
    // phone is also a NOTICE, so it is in messages.log with the default levels.
    if (this.opts.log.wants("verbose", 3)) this.opts.log.verbose(3, { [ASTERISK_SOURCE]: "res_pjsip/pjsip_options.c" }, `Contact ${c.aor}/${c.uri} is now ${st.status}.  RTT: ${rtt} msec`);
    if (st.status === "Unreachable") this.opts.log.notice({ endpoint: c.endpoint }, `Contact ${c.aor}/${c.uri} is now Unreachable: no usable answer to the qualify OPTIONS (qualify_frequency/qualify_timeout of AOR '${c.aor}')`);
    this.emit("status", c, st);
  }

  close(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }
}
