/**
 * SIP over TLS with real peers: a certificate made by `switchboard cert`, two baresip phones that
 * trust it (sip_cafile) registering and calling each other over TLS with the tones heard both
 * ways, SIPp registering over TLS (Debian's SIPp has no TLS, so socat carries its TCP into a TLS
 * connection that checks our certificate), and a strict transport (verify_client,
 * require_client_cert) refusing TLS clients with a NOTICE that says why.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { assertTone, checkTone, makeToneWav } from "../helpers/audio.js";
import { scratchDir, sleep, spawnTracked, stopProcess, waitUntil } from "../helpers/processes.js";
import { describeSipp, receivedStatuses, runSipp } from "../helpers/sipp.js";
import { makeSelfSignedCert } from "../../src/sip/transport/self-signed-cert.js";

const SERVER_IP = "127.0.0.1";
const A = { id: "1001", password: randomPassword() };
const B = { id: "1002", password: randomPassword() };
const S = { id: "1003", password: randomPassword() };
const BIN = new URL("../../bin/switchboard.js", import.meta.url).pathname;

describe("SIP over TLS (switchboard cert, baresip over TLS, client certificate checks)", () => {
  let pbx: Pbx;
  let udpPort: number;
  let tlsPort: number;
  let strictPort: number;
  const dir = scratchDir("tls");
  let certFile = "";
  let certReport = "";

  before(async () => {
    // The certificate as an admin makes it: `switchboard cert`.
    certReport = execFileSync(process.execPath, [BIN, "cert", "--data", join(dir, "data")], { encoding: "utf8", env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" } });
    certFile = join(dir, "data", "tls", "cert.pem");
    const keyFile = join(dir, "data", "tls", "privkey.pem");
    udpPort = await freePort(SERVER_IP);
    tlsPort = await freePort(SERVER_IP);
    strictPort = await freePort(SERVER_IP);
    const nat = { rtp_symmetric: "yes", rewrite_contact: "yes", direct_media: "no", disallow: "all", allow: "ulaw" };
    const endpoints = [A, B, S].map((e) => ({ ...e, context: "internal", maxContacts: 1, removeExisting: true, endpointOptions: nat }));
    const tls = `
[transport-tls]
type = transport
protocol = tls
bind = ${SERVER_IP}:${tlsPort}
cert_file = ${certFile}
priv_key_file = ${keyFile}
method = tlsv1_2

[transport-strict]
type = transport
protocol = tls
bind = ${SERVER_IP}:${strictPort}
cert_file = ${certFile}
priv_key_file = ${keyFile}
ca_list_file = ${certFile}
verify_client = yes
require_client_cert = yes
`;
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pjsipConf({ ip: SERVER_IP, port: udpPort, endpoints, extra: tls }),
        "extensions.conf": "[internal]\nexten => _10XX,1,Dial(PJSIP/${EXTEN},20)\n same => n,Hangup()\n",
        "rtp.conf": "[general]\nrtpstart=32000\nrtpend=32999\n",
      },
    });
  });

  after(async () => {
    await pbx?.stop();
  });

  async function phone(ep: { id: string; password: string }, ip: string, source: string, rtpPorts: string, answer: boolean): Promise<Baresip> {
    const p = await startBaresip({
      ip,
      rtpPorts,
      audioSource: source,
      accounts: [`<sip:${ep.id}@${SERVER_IP}:${tlsPort};transport=tls>;auth_pass=${ep.password};audio_codecs=pcmu;regint=600${answer ? ";answermode=auto" : ""}`],
      extraConfig: [`sip_cafile ${certFile}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${ep.id} registered over TLS`);
    return p;
  }

  it("switchboard cert prints the files, the fingerprint and how to use them; the certificate names the host", () => {
    assert.match(certReport, /^Certificate: .*\/tls\/cert\.pem\nPrivate key: .*\/tls\/privkey\.pem \(readable by this user only\)\n/);
    assert.match(certReport, /SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
    assert.match(certReport, /protocol = tls\n {2}bind = 0\.0\.0\.0:5061\n {2}cert_file = /);
    assert.match(certReport, /127\.0\.0\.1/);
    assert.match(readFileSync(certFile, "utf8"), /^-----BEGIN CERTIFICATE-----\n/);
    const again = (() => {
      try {
        execFileSync(process.execPath, [BIN, "cert", "--data", join(dir, "data")], { encoding: "utf8", stdio: "pipe", env: { ...process.env, SWITCHBOARD_FROM_SOURCE: "1" } });
        return "exit 0";
      } catch (err) {
        return String((err as { stderr?: string }).stderr);
      }
    })();
    assert.match(again, /cert\.pem exists; pass --force to replace it/, "an existing certificate is never overwritten silently");
  });

  it("pjsip show transports lists the TLS transports", async () => {
    const out = (await pbx.rx("pjsip show transports")).stdout;
    assert.match(out, new RegExp(`Transport:  transport-tls +tls +0 +0  ${SERVER_IP.replace(/\./g, "\\.")}:${tlsPort}\\n`));
    assert.match(out, /Transport: {2}transport-strict +tls /);
  });

  it("two baresip phones register over TLS and call each other: each hears the other's tone", async () => {
    const tone1000 = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: 6 });
    const tone440 = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 30 });
    const caller = await phone(A, "127.0.0.2", tone1000, "20200-20299", false);
    const callee = await phone(B, "127.0.0.3", tone440, "20300-20399", true);
    try {
      const contacts = (await pbx.rx("pjsip show contacts")).stdout;
      // rewrite_contact: the TLS connection's source address and port, with ;transport=tls (cut at the column's width).
      assert.match(contacts, /Contact: {2}1001\/sip:1001[^@\s]*@127\.0\.0\.1:\d+;t /, contacts);
      const aor = (await pbx.rx("pjsip show aor 1002")).stdout;
      assert.match(aor, /sip:1002[^@\s]*@127\.0\.0\.1:\d+;transport=tls/i, aor);
      await caller.command(`dial sip:${B.id}@${SERVER_IP}:${tlsPort};transport=tls`);
      await caller.waitEvent("CALL_ESTABLISHED", 10000).catch((err: Error) => {
        throw new Error(`${err.message}\n${JSON.stringify(caller.ctrl.events)}\n--- caller:\n${caller.log().slice(-600)}\n--- callee:\n${callee.log().slice(-1500)}\n--- pbx:\n${pbx.diagnostics()}`);
      });
      await caller.waitEvent("CALL_CLOSED", 20000);
      await new Promise((r) => setTimeout(r, 500));
      const heardByCallee = callee.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByCaller = caller.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByCallee && heardByCaller, `recordings: ${callee.recordings().join(",")} / ${caller.recordings().join(",")}`);
      assertTone(checkTone(heardByCallee, 1000, { minSeconds: 4 }), "1002 (callee)", 1000);
      assertTone(checkTone(heardByCaller, 440, { minSeconds: 4 }), "1001 (caller)", 440);
      assert.match(callee.log(), /TLS/, "the callee was reached over TLS");
    } finally {
      await caller.stop();
      await callee.stop();
    }
  });

  it("SIPp registers over TLS (through socat, which checks our certificate); the contact is stored as a TLS one", async () => {
    const tunnelPort = await freePort(SERVER_IP);
    // socat: SIPp's TCP on tunnelPort becomes a TLS connection to the transport, verified against cert.pem.
    const socat = spawnTracked("socat", "socat", [`TCP-LISTEN:${tunnelPort},bind=127.0.0.7,reuseaddr,fork`, `OPENSSL:${SERVER_IP}:${tlsPort},cafile=${certFile},verify=1,commonname=127.0.0.1`]);
    let socatLog = "";
    socat.stderr?.setEncoding("utf8").on("data", (d: string) => (socatLog += d));
    try {
      await sleep(300);
      const r = await runSipp({ scenario: "register-auth.xml", target: `127.0.0.7:${tunnelPort}`, localIp: "127.0.0.7", args: ["-t", "t1", "-s", S.id, "-au", S.id, "-ap", S.password, "-key", "expires", "600", "-m", "1"] });
      assert.equal(r.code, 0, `${describeSipp(r)}\n--- socat:\n${socatLog}`);
      assert.deepEqual(receivedStatuses(r).filter((st) => st !== 100), [401, 200], describeSipp(r));
      const aor = (await pbx.rx("pjsip show aor 1003")).stdout;
      // rewrite_contact: the TLS connection's source, named as a TLS contact.
      assert.match(aor, /sip:1003@127\.0\.0\.1:\d+;transport=tls/i, aor);
    } finally {
      await stopProcess(socat, 2000);
    }
  });

  /** Opens a TLS connection to the strict transport; resolves with how it ended. */
  function probe(opts: { cert?: Buffer; key?: Buffer }): Promise<string> {
    return new Promise((resolve) => {
      const s = tlsConnect({ host: SERVER_IP, port: strictPort, rejectUnauthorized: false, ...opts }, () => {
        s.write("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:1;branch=z9hG4bK-p\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x>\r\nCall-ID: probe\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n");
      });
      let got = "";
      s.on("data", (d: Buffer) => (got += d.toString()));
      s.on("error", () => undefined);
      s.on("close", () => resolve(got === "" ? "closed" : got));
      setTimeout(() => s.destroy(), 3000);
    });
  }

  it("require_client_cert: a client without a certificate is refused, with a NOTICE saying why", async () => {
    assert.equal(await probe({}), "closed");
    await pbx.waitForLog(/NOTICE\[\d+\] sip\.transport: TLS connection from 127\.0\.0\.1:\d+ to transport 'transport-strict' refused: no client certificate, and require_client_cert=yes/);
  });

  it("verify_client: a client certificate the transport does not trust is refused, with a NOTICE saying why; a trusted one is answered", async () => {
    const other = await makeSelfSignedCert({ dir: join(dir, "other") });
    assert.equal(await probe({ cert: readFileSync(other.certFile), key: readFileSync(other.keyFile) }), "closed");
    await pbx.waitForLog(/refused: client certificate not trusted \([A-Z_]+\); verify_client=yes checks it against ca_list_file\/ca_list_path/);
    const trusted = await probe({ cert: readFileSync(certFile), key: readFileSync(join(dir, "data", "tls", "privkey.pem")) });
    assert.match(trusted, /^SIP\/2\.0 200 OK\r\n/, "the CA the transport trusts (its own certificate here) lets the client in");
  });
});
