/**
 * Calls through a record-routing proxy (RFC 3261 §12.1.1, §12.2.1.1, §16.12): Kamailio 5.6
 * (Debian `kamailio`) on 127.0.0.4 sits between the SIPp caller (127.0.0.2) and Switchboard
 * (127.0.0.1), and between Switchboard and the SIPp callee (127.0.0.3), whose registered Contact
 * names the proxy. The proxy's script is minimal: `record_route()` on initial INVITEs,
 * `loose_route()` for requests inside a dialog, and it refuses (404) or drops an in-dialog request
 * that carries no Route to it — so a call only completes when Switchboard's 200 copies the
 * Record-Route to the caller and Switchboard's own ACK and BYE carry the route set. Every request
 * the proxy sees is logged with xlog (method, source, Route), and the tests read that log.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { KAMAILIO_MODULES, startKamailio, type Kamailio } from "../helpers/kamailio.js";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { waitUntil } from "../helpers/processes.js";
import { SipClient } from "../helpers/sip-client.js";
import { describeSipp, receivedStatuses, runSipp, startSippBackground, type SippResult } from "../helpers/sipp.js";

const SERVER_IP = "127.0.0.1";
const CALLER_IP = "127.0.0.2";
const CALLEE_IP = "127.0.0.3";
const PROXY_IP = "127.0.0.4";
const CALLER = { id: "1001", password: randomPassword() };
const CALLEE = { id: "1002", password: randomPassword() };

const EXTENSIONS = `[internal]
exten => _10XX,1,Dial(PJSIP/\${EXTEN},10)
 same => n,Hangup()
`;

const MODULES = KAMAILIO_MODULES;

/** One xlog line per request: `PROXY <method> from <ip> route=<Route or none> ruri=<R-URI>`. */
function kamailioConfig(o: { port: number; pbxPort: number; calleePort: number }): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
log_facility=LOG_LOCAL0
children=1
auto_aliases=no
listen=udp:${PROXY_IP}:${o.port}
mpath="${MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
loadmodule "textops.so"

request_route {
  xlog("L_NOTICE", "PROXY $rm from $si route=$(hdr(Route){s.len})$hdr(Route) ruri=$ru\\n");
  if (!mf_process_maxfwd_header("10")) {
    sl_send_reply("483", "Too Many Hops");
    exit;
  }
  if (has_totag()) {
    if (loose_route()) {
      xlog("L_NOTICE", "LOOSE-ROUTED $rm from $si to $ru\\n");
      t_relay();
      exit;
    }
    if (is_method("ACK")) {
      # The ACK for a non-2xx final response is hop-by-hop: tm absorbs it.
      if (t_check_trans()) t_relay();
      exit;
    }
    # An in-dialog request without our Route: the sender ignored the route set.
    xlog("L_NOTICE", "NO-ROUTE $rm from $si\\n");
    sl_send_reply("404", "Not routed through this proxy");
    exit;
  }
  if (is_method("CANCEL")) {
    if (t_check_trans()) t_relay();
    exit;
  }
  if (is_method("INVITE")) record_route();
  if ($si == "${SERVER_IP}") $du = "sip:${CALLEE_IP}:${o.calleePort}";
  else $du = "sip:${SERVER_IP}:${o.pbxPort}";
  t_relay();
}
`;
}

type Proxy = Kamailio;

async function startProxy(port: number, pbxPort: number, calleePort: number): Promise<Proxy> {
  return startKamailio({ config: kamailioConfig({ port, pbxPort, calleePort }), ip: PROXY_IP, port });
}

/** The proxy's log lines for requests of one method, from one source. */
function proxied(log: string, kind: "PROXY" | "LOOSE-ROUTED" | "NO-ROUTE", method: string, from: string): string[] {
  return log.split("\n").filter((l) => l.includes(`${kind} ${method} from ${from}`));
}

interface CallRun {
  uac: SippResult;
  uas: SippResult;
}

function describeRun(r: CallRun, proxy: Proxy): string {
  return `UAC: ${describeSipp(r.uac)}\n\nUAS: ${describeSipp(r.uas)}\n\nkamailio:\n${proxy.log()}`;
}

describe("calls through a record-routing Kamailio proxy (SIPp → Kamailio → Switchboard → Kamailio → SIPp)", { timeout: 120_000 }, () => {
  let pbx: Pbx;
  let proxy: Proxy;
  let port: number;
  let proxyPort: number;
  let calleePort: number;
  let callerPort: number;

  before(async () => {
    port = await freePort(SERVER_IP);
    proxyPort = await freePort(PROXY_IP);
    calleePort = await freePort(CALLEE_IP);
    callerPort = await freePort(CALLER_IP);
    const endpoints = [CALLER, CALLEE].map((e) => ({ ...e, context: "internal", endpointOptions: { direct_media: "no" } }));
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port, endpoints }),
        "extensions.conf": EXTENSIONS,
        "rtp.conf": "[general]\nrtpstart=34000\nrtpend=34999\n",
      },
    });
    proxy = await startProxy(proxyPort, port, calleePort);
    // The callee's Contact names the proxy, so the PBX's INVITE (and the dialog) goes through it.
    const reg = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: CALLEE_IP });
    try {
      const r = await reg.register({ user: CALLEE.id, password: CALLEE.password, contact: `<sip:${CALLEE.id}@${PROXY_IP}:${proxyPort}>`, expires: 3600 });
      assert.equal(r.final.status, 200, `REGISTER: ${r.final.raw}`);
    } finally {
      reg.close();
    }
  });

  after(async () => {
    await proxy?.stop();
    await pbx?.stop();
  });

  async function call(uacScenario: string, uasScenario: string, uacArgs: string[], uasArgs: string[]): Promise<CallRun> {
    const bg = await startSippBackground({
      scenario: uasScenario,
      localIp: CALLEE_IP,
      localPort: calleePort,
      args: ["-m", "1", ...uasArgs],
      timeoutMs: 20000,
      recvTimeoutMs: 10000,
      startupMs: 200,
    });
    const uac = await runSipp({
      scenario: uacScenario,
      target: `${PROXY_IP}:${proxyPort}`,
      localIp: CALLER_IP,
      localPort: callerPort,
      args: ["-s", CALLEE.id, "-key", "caller", CALLER.id, "-au", CALLER.id, "-ap", CALLER.password, "-m", "1", ...uacArgs],
      timeoutMs: 20000,
      recvTimeoutMs: 6000,
    });
    const timer = setTimeout(() => void bg.stop(), 10000);
    const uas = await bg.done;
    clearTimeout(timer);
    return { uac, uas };
  }

  async function assertNothingLeft(): Promise<void> {
    let text = "";
    const n = (label: string) => Number(new RegExp(`^${label}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
    await waitUntil(async () => {
      text = (await pbx.rx("core show resources")).stdout;
      return n("Channels") === 0 && n("Calls") === 0 && n("Outbound legs") === 0 && n("RTP ports in use") === 0;
    }, 5000, `no channels, calls, outbound legs or RTP ports left:\n${text}`, 100);
  }

  it("the caller's ACK and BYE follow our 200's Record-Route through the proxy; our ACK and BYE to the callee use the reversed route set", async () => {
    const logBefore = proxy.log().length;
    const run = await call("call-uac.xml", "call-uas-answer-rr.xml", ["-d", "500"], ["-d", "0"]);
    const log = proxy.log().slice(logBefore);
    assert.equal(run.uac.code, 0, `UAC failed\n${describeRun(run, proxy)}`);
    assert.equal(run.uas.code, 0, `UAS failed\n${describeRun(run, proxy)}`);
    assert.deepEqual(receivedStatuses(run.uac).filter((s) => s >= 200), [401, 200, 200], describeRun(run, proxy));

    // §12.1.1: our 200 to the caller copies the proxy's Record-Route.
    const ok = run.uac.trace.find((e) => e.direction === "received" && e.message.isResponse && e.message.status === 200 && e.message.method === "INVITE")?.message;
    assert.match(ok?.headerAll("record-route").join(",") ?? "", new RegExp(`sip:${PROXY_IP.replace(/\./g, "\\.")}:${proxyPort};lr`), describeRun(run, proxy));
    // …so the caller's ACK and BYE carry the Route and are loose-routed by the proxy to us.
    assert.equal(proxied(log, "LOOSE-ROUTED", "ACK", CALLER_IP).length, 1, `caller's ACK through the proxy\n${log}`);
    assert.equal(proxied(log, "LOOSE-ROUTED", "BYE", CALLER_IP).length, 1, `caller's BYE through the proxy\n${log}`);

    // §12.1.2: the callee's 200 echoed the Record-Route; our ACK and BYE to it carry it as Route.
    assert.equal(proxied(log, "LOOSE-ROUTED", "ACK", SERVER_IP).length, 1, `our ACK to the callee through the proxy\n${log}`);
    assert.equal(proxied(log, "LOOSE-ROUTED", "BYE", SERVER_IP).length, 1, `our BYE to the callee through the proxy\n${log}`);
    const ack = run.uas.trace.find((e) => e.direction === "received" && !e.message.isResponse && e.message.method === "ACK")?.message;
    assert.match(ack?.header("via") ?? "", new RegExp(`^SIP/2\\.0/UDP ${PROXY_IP.replace(/\./g, "\\.")}`), `the callee got our ACK from the proxy (top Via)\n${describeRun(run, proxy)}`);
    assert.deepEqual(proxied(log, "NO-ROUTE", "ACK", SERVER_IP).concat(proxied(log, "NO-ROUTE", "BYE", SERVER_IP), proxied(log, "NO-ROUTE", "BYE", CALLER_IP)), []);
    await assertNothingLeft();
  });

  it("our BYE to the caller (the callee hung up) carries the route set of the caller's INVITE and passes the proxy", async () => {
    const logBefore = proxy.log().length;
    const run = await call("call-uac-wait-bye.xml", "call-uas-bye-rr.xml", [], ["-d", "500"]);
    const log = proxy.log().slice(logBefore);
    assert.equal(run.uac.code, 0, `UAC failed\n${describeRun(run, proxy)}`);
    assert.equal(run.uas.code, 0, `UAS failed\n${describeRun(run, proxy)}`);
    // The callee's BYE reaches us through the proxy (its route set), and ours goes on to the caller.
    assert.equal(proxied(log, "LOOSE-ROUTED", "BYE", CALLEE_IP).length, 1, `callee's BYE through the proxy\n${log}`);
    const ours = proxied(log, "PROXY", "BYE", SERVER_IP);
    assert.equal(ours.length, 1, `our BYE to the caller reached the proxy\n${log}`);
    assert.match(ours[0] ?? "", new RegExp(`route=\\d+<sip:${PROXY_IP.replace(/\./g, "\\.")}:${proxyPort};lr`), `our BYE carries the proxy's Route\n${log}`);
    assert.equal(proxied(log, "LOOSE-ROUTED", "BYE", SERVER_IP).length, 1, `…and was loose-routed to the caller\n${log}`);
    const bye = run.uac.trace.find((e) => e.direction === "received" && !e.message.isResponse && e.message.method === "BYE")?.message;
    assert.match(bye?.header("via") ?? "", new RegExp(`^SIP/2\\.0/UDP ${PROXY_IP.replace(/\./g, "\\.")}`), `the caller got our BYE from the proxy\n${describeRun(run, proxy)}`);
    assert.equal(bye?.requestUri, `sip:${CALLER.id}@${CALLER_IP}:${callerPort}`, "Request-URI is the caller's Contact (loose routing)");
    await assertNothingLeft();
  });
});
