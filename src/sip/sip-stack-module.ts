/**
 * The SIP stack as a module: the transaction layer (RFC 3261 §17) and the transports of
 * pjsip.conf feeding it. Every datagram or stream frame is first offered to `allowPacket` (the
 * guard's ban list, before any parsing); malformed messages are logged at most once per period
 * with the peer. The request handler above the transactions (the pipeline) is attached later by
 * its own module with `transactions.setUser()`.
 *
 * Reload applies the timers (T1, timer B) and NAT addresses at once; bind addresses and
 * protocols need a restart, as with Asterisk's `allow_reload=no` transports.
 */
import { PbxError } from "../core/errors.js";
import { parseNetwork, type IpNetwork } from "../core/ip.js";
import { LogThrottle } from "../core/log-throttle.js";
import { started, type ModuleContext, type PbxModule } from "../core/module.js";
import type { LoadedConfig } from "../config/index.js";
import { TransactionLayer } from "./transaction/transaction-layer.js";
import { timersFrom } from "./transaction/timers.js";
import { TcpTransport } from "./transport/tcp-transport.js";
import { TlsTransport, type TlsSettings } from "./transport/tls-transport.js";
import { TransportSet } from "./transport/transport-set.js";
import { formatHostPort, type Flow, type Transport, type TransportDelegate, type TransportNat } from "./transport/types.js";
import { UdpTransport } from "./transport/udp-transport.js";
import { WsTransport } from "./transport/ws-transport.js";

export interface SipModuleContext extends ModuleContext {
  config(): LoadedConfig;
  /** The User-Agent/Server value. */
  userAgent(): string;
}

/** A transport section's NAT settings in the form the SIP layer uses. */
export function natOf(t: LoadedConfig["pjsip"]["transports"][number]): TransportNat {
  return {
    localNets: t.localNet.map((n) => parseNetwork(`${n.address}/${n.prefixLength}`)).filter((n): n is IpNetwork => n !== undefined),
    externalSignalingAddress: t.externalSignalingAddress || undefined,
    externalSignalingPort: t.externalSignalingPort || undefined,
  };
}

export interface SipStackOptions {
  /** Asked for every packet before parsing; false drops it (banned source). */
  allowPacket(address: string): boolean;
}

export class SipStackModule implements PbxModule<SipModuleContext> {
  readonly name = "sip";
  readonly provides = [
    { name: "res_pjsip.so", description: "Basic SIP resource" },
    { name: "res_pjsip_session.so", description: "PJSIP Session resource" },
  ];
  readonly configFiles = [{ file: "pjsip.conf", objectTypes: ["transport", "system", "global"] }];
  private layer: TransactionLayer | undefined;
  private set: TransportSet | undefined;
  private readonly closedListeners = new Set<(flow: Flow) => void>();

  constructor(private readonly o: SipStackOptions) {}

  get transactions(): TransactionLayer {
    return started(this.layer, this.name, "transaction layer");
  }

  get transports(): TransportSet {
    return started(this.set, this.name, "transports");
  }

  /**
   * Hears each WebSocket connection that closes (its peer cannot be reached any other way);
   * returns the unsubscribe.
   */
  onConnectionClosed(listener: (flow: Flow) => void): () => void {
    this.closedListeners.add(listener);
    return () => this.closedListeners.delete(listener);
  }

  /** The `protocol=ws` or `protocol=wss` transport the HTTP server hands its WebSocket connections to. */
  webSocketTransport(protocol: "ws" | "wss"): WsTransport | undefined {
    return this.set?.all().find((t): t is WsTransport => t instanceof WsTransport && t.protocol === protocol);
  }

  async start(ctx: SipModuleContext): Promise<void> {
    const cfg = ctx.config();
    const transactions = new TransactionLayer({
      clock: ctx.clock,
      log: ctx.log.child({ category: "sip.transaction" }),
      timers: timersFrom(cfg.pjsip.system.timerT1, cfg.pjsip.system.timerB),
      userAgent: ctx.userAgent(),
      sendTrying: false,
    });
    this.layer = transactions;
    ctx.defer(() => transactions.close());
    const sipLog = ctx.log.child({ category: "sip.parser" });
    const parseThrottle = new LogThrottle(ctx.clock);
    transactions.on("parseError", ({ reason, flow, answered }) => {
      const peer = `${flow.transport.protocol.toUpperCase()}:${formatHostPort(flow.remoteAddress, flow.remotePort)}`;
      if (parseThrottle.allow((n) => sipLog.notice({}, `${n} more malformed SIP messages were not logged in the last 10 seconds`))) {
        sipLog.notice({ peer }, `Malformed SIP message from ${peer} ${answered ? "answered 400" : "dropped"}: ${reason.slice(0, 200)}`);
      }
    });
    const delegate: TransportDelegate = {
      allow: (address) => this.o.allowPacket(address),
      onMessage: (data, flow) => transactions.receive(data, flow),
      onConnectionClosed: (flow) => {
        for (const l of this.closedListeners) {
          try {
            l(flow);
          } catch (err) {
            ctx.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, "connection-closed listener failed");
          }
        }
      },
    };
    const transports = new TransportSet();
    this.set = transports;
    ctx.defer(() => transports.closeAll());
    const tlog = ctx.log.child({ category: "sip.transport" });
    for (const t of cfg.pjsip.transports) {
      let transport: Transport | undefined;
      const port = t.bind.port || 5060;
      if (t.protocol === "udp") transport = new UdpTransport({ id: t.id, address: t.bind.host, port, delegate, log: tlog });
      else if (t.protocol === "tcp") transport = new TcpTransport({ id: t.id, address: t.bind.host, port, delegate, log: tlog });
      else if (t.protocol === "tls") {
        try {
          transport = new TlsTransport({ id: t.id, address: t.bind.host, port, delegate, log: tlog, tls: tlsSettingsOf(t) });
        } catch (err) {
          throw new PbxError("TLS_CERT", `transport '${t.id}' (${t.file}:${t.line}): ${(err as Error).message}`, { cause: err });
        }
      }
      else if (t.protocol === "ws" || t.protocol === "wss") {
        if (this.webSocketTransport(t.protocol) !== undefined) {
          tlog.warn({ transport: t.id }, `transport '${t.id}' (${t.file}:${t.line}): a protocol=${t.protocol} transport is already configured and takes every ${t.protocol === "ws" ? "HTTP" : "HTTPS"} WebSocket connection; this one is not started`);
          continue;
        }
        transport = new WsTransport({ id: t.id, protocol: t.protocol, bind: t.bind, delegate, log: tlog });
      } else {
        tlog.warn({ transport: t.id }, `transport '${t.id}' (${t.file}:${t.line}) uses protocol=${t.protocol}, which is not implemented yet; it is not started`);
        continue;
      }
      await transport.listen();
      transport.nat = natOf(t);
      transports.add(transport);
      if (transport instanceof WsTransport) tlog.info({}, `SIP ${t.protocol.toUpperCase()} transport '${t.id}' served by the ${t.protocol === "ws" ? "HTTP" : "HTTPS"} server at /ws (http.conf)`);
      else tlog.info({}, `SIP ${t.protocol.toUpperCase()} transport '${t.id}' listening on ${transport.dump().bind}`);
    }
    if (transports.all().length === 0) {
      throw new PbxError("CONFIG_MISSING", "no usable SIP transport: add a [transport] section with protocol=udp, tcp, tls, ws or wss to pjsip.conf");
    }
  }

  reload(ctx: SipModuleContext): void {
    const next = ctx.config().pjsip;
    this.transactions.setTimers(timersFrom(next.system.timerT1, next.system.timerB));
    // NAT addresses apply at once; binding changes need a restart (Asterisk's allow_reload=no).
    for (const t of next.transports) {
      const live = this.transports.byId(t.id);
      if (live) live.nat = natOf(t);
      // Certificates are read again, so a renewed one is used without a restart.
      if (live instanceof TlsTransport && t.protocol === "tls") {
        try {
          live.reloadCredentials(tlsSettingsOf(t));
        } catch (err) {
          ctx.log.child({ category: "sip.transport" }).error({ transport: t.id }, `transport '${t.id}' (${t.file}:${t.line}) keeps its old certificate: ${(err as Error).message}`);
        }
      }
    }
  }
}

/** The TLS options of a `protocol=tls` transport, as the TLS transport takes them. */
function tlsSettingsOf(t: LoadedConfig["pjsip"]["transports"][number]): TlsSettings {
  return {
    certFile: t.certFile, privKeyFile: t.privKeyFile, password: t.password, caListFile: t.caListFile, caListPath: t.caListPath,
    method: t.method, cipher: t.cipher, verifyClient: t.verifyClient, verifyServer: t.verifyServer,
    requireClientCert: t.requireClientCert, allowWildcardCerts: t.allowWildcardCerts,
  };
}
