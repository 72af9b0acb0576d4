/**
 * SIP over WebSocket as a module (Asterisk's res_http_websocket + res_pjsip_transport_websocket):
 * when pjsip.conf has a `protocol=ws` or `protocol=wss` transport, the HTTP server (http.conf)
 * serves `/ws`, and the WebSocket connections it accepts there are handed to that transport —
 * HTTP ones to `ws`, HTTPS ones (`tlsenable`) to `wss`. The module lives at the API level
 * because it joins the HTTP listener to the SIP layer; the SIP layer never imports HTTP.
 *
 * The transports learn where their listener is bound (their Via and Contact name it) at start
 * and on every reload, which may move the HTTP server.
 */
import type { HttpModule } from "../http/http-module.js";
import type { SipStackModule } from "../../sip/sip-stack-module.js";
import type { PbxModuleContext, SwitchboardModule } from "../../pbx/module-context.js";
import { sipWebSocketRoute } from "./sip-websocket-route.js";

export class SipWebSocketModule implements SwitchboardModule {
  readonly name = "sip-websocket";
  readonly description = "SIP over WebSocket at /ws (RFC 7118)";
  readonly provides = [
    { name: "res_http_websocket.so", description: "HTTP WebSocket Support" },
    { name: "res_pjsip_transport_websocket.so", description: "PJSIP WebSocket Transport Support" },
  ];
  readonly dependsOn: readonly string[];

  constructor(private readonly deps: { http: HttpModule; sip: SipStackModule }) {
    this.dependsOn = [deps.http.name, deps.sip.name];
  }

  start(ctx: PbxModuleContext): void {
    const { http, sip } = this.deps;
    if (sip.webSocketTransport("ws") === undefined && sip.webSocketTransport("wss") === undefined) return;
    const log = ctx.log.child({ category: "sip.transport" });
    ctx.defer(http.routes.register(sipWebSocketRoute({ transport: (secure) => sip.webSocketTransport(secure ? "wss" : "ws"), log })));
    this.bindTransports();
    const ws = sip.webSocketTransport("ws");
    const wss = sip.webSocketTransport("wss");
    if (ws !== undefined && http.address() === undefined) {
      log.warn({ transport: ws.id }, `transport '${ws.id}' (protocol=ws) is served by the HTTP server, which does not listen: set enabled=yes and bindaddr= in http.conf`);
    }
    if (wss !== undefined && http.tlsAddress() === undefined) {
      log.warn({ transport: wss.id }, `transport '${wss.id}' (protocol=wss) is served by the HTTPS server, which does not listen: set enabled=yes, tlsenable=yes, tlscertfile= and tlsprivatekey= in http.conf`);
    }
  }

  reload(): void {
    this.bindTransports();
  }

  private bindTransports(): void {
    const { http, sip } = this.deps;
    sip.webSocketTransport("ws")?.servedBy(http.address());
    sip.webSocketTransport("wss")?.servedBy(http.tlsAddress());
  }
}
