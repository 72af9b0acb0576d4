import { test } from "node:test";
import assert from "node:assert/strict";
import { checkTraps } from "../../../src/config/check/traps.js";
import { EMBEDDED_ACCOUNTS, EMBEDDED_BROWSER_EXTENSIONS, EMBEDDED_EXTENSIONS, embeddedDefaultFiles } from "../../../src/config/defaults/embedded.js";
import { formatDiagnostic } from "../../../src/config/diagnostic.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";
import { PbxError } from "../../../src/core/errors.js";

const PASSWORDS = { "1001": "pw1;x", "1002": "pw2", "1003": "pw3", "1004": "pw4", "1005": "pw5", "1101": "pw6", "1102": "pw7", "1103": "pw8", "1104": "pw9", "1105": "pw10" };
const PINS = { "1001": "111111", "1002": "222222", "1003": "333333", "1004": "444444", "1005": "555555" };

test("embedded default: loads with zero diagnostics and zero trap warnings", () => {
  const cfg = loadConfiguration({ kind: "embedded", files: embeddedDefaultFiles(PASSWORDS, PINS) });
  assert.deepEqual(cfg.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(checkTraps(cfg).map(formatDiagnostic), []);
});

test("embedded default: transports, phones, AORs and auths are as documented", () => {
  const cfg = loadConfiguration({ kind: "embedded", files: embeddedDefaultFiles(PASSWORDS, PINS) });
  assert.deepEqual(
    cfg.pjsip.transports.map((t) => `${t.id} ${t.protocol} ${t.bind.host}:${t.bind.port}`),
    ["transport-udp udp 0.0.0.0:5060", "transport-tcp tcp 0.0.0.0:5060", "transport-udp6 udp :::5060", "transport-tcp6 tcp :::5060"],
  );
  assert.deepEqual([...cfg.pjsip.endpoints.keys()], [...EMBEDDED_ACCOUNTS]);
  for (const ext of EMBEDDED_BROWSER_EXTENSIONS) {
    const ep = cfg.pjsip.endpoints.get(ext);
    assert.ok(ep);
    assert.equal(ep.webrtc, true, `${ext}: webrtc=yes (the browser phone)`);
    assert.equal(ep.mediaEncryption, "dtls");
    assert.equal(ep.allow[0]?.name, "opus");
    assert.equal(ep.mailboxes.length, 0);
    assert.equal(cfg.pjsip.auths.get(ext)?.username, ext);
  }
  for (const ext of EMBEDDED_EXTENSIONS) {
    const ep = cfg.pjsip.endpoints.get(ext);
    assert.ok(ep);
    assert.equal(ep.context, "internal");
    assert.deepEqual(ep.allow.map((c) => c.name), ["ulaw", "alaw"]);
    assert.deepEqual([ep.directMedia, ep.rtpSymmetric, ep.forceRport, ep.rewriteContact], [false, true, true, true]);
    assert.deepEqual(ep.identifyBy, ["username"]);
    assert.deepEqual([ep.auth, ep.aors], [[ext], [ext]]);
    const aor = cfg.pjsip.aors.get(ext);
    assert.deepEqual([aor?.maxContacts, aor?.removeExisting, aor?.qualifyFrequency], [3, true, 60]);
    assert.equal(cfg.pjsip.auths.get(ext)?.username, ext);
  }
  assert.equal(cfg.pjsip.auths.get("1001")?.password, "pw1;x", "a ';' in a password survives the .conf round trip");
  assert.deepEqual([cfg.rtp.rtpstart, cfg.rtp.rtpend], [10000, 20000]);
});

test("embedded default: extensions.conf has the internal context with the parking lot, _10XX (then voicemail), *97, 600, 610 and a hint per extension", () => {
  const cfg = loadConfiguration({ kind: "embedded", files: embeddedDefaultFiles(PASSWORDS, PINS) });
  const internal = cfg.extensions?.categories.find((c) => c.name === "internal");
  assert.deepEqual(
    internal?.variables.map((v) => `${v.name} => ${v.value}`),
    [
      "include => parkedcalls",
      "exten => _10XX,1,Dial(PJSIP/${EXTEN},20)",
      'same => n,GotoIf($["${DIALSTATUS}" = "BUSY"]?busy)',
      "same => n,VoiceMail(${EXTEN}@default,u)",
      "same => n,Hangup()",
      "same => n(busy),VoiceMail(${EXTEN}@default,b)",
      "same => n,Hangup()",
      "exten => *97,1,VoiceMailMain(${CALLERID(num)}@default)",
      "same => n,Hangup()",
      "exten => _11XX,1,Dial(PJSIP/${EXTEN},30)",
      "same => n,Hangup()",
      "exten => 600,1,Answer()",
      "same => n,Echo()",
      "exten => 610,1,Answer()",
      "same => n,MusicOnHold()",
      "exten => 1001,hint,PJSIP/1001",
      "exten => 1002,hint,PJSIP/1002",
      "exten => 1003,hint,PJSIP/1003",
      "exten => 1004,hint,PJSIP/1004",
      "exten => 1005,hint,PJSIP/1005",
      "exten => 1101,hint,PJSIP/1101",
      "exten => 1102,hint,PJSIP/1102",
      "exten => 1103,hint,PJSIP/1103",
      "exten => 1104,hint,PJSIP/1104",
      "exten => 1105,hint,PJSIP/1105",
    ],
  );
  assert.ok(internal?.variables.every((v) => v.object));
});

test("embedded default: a missing password is a programming error", () => {
  assert.throws(() => embeddedDefaultFiles({ "1001": "x" }, PINS), (err: unknown) => err instanceof PbxError && err.code === "INVALID_ARGUMENT");
});

test("embedded default: every phone has a mailbox with its PIN, and MWI for it", () => {
  const cfg = loadConfiguration({ kind: "embedded", files: embeddedDefaultFiles(PASSWORDS, PINS) });
  for (const ext of EMBEDDED_EXTENSIONS) {
    assert.equal(cfg.voicemail.mailboxes.get(`${ext}@default`)?.password, PINS[ext]);
    assert.equal(cfg.pjsip.endpoints.get(ext)?.mailboxes, `${ext}@default`);
  }
  assert.throws(() => embeddedDefaultFiles(PASSWORDS, {}), (err: unknown) => err instanceof PbxError && /voicemail PIN/.test(err.message));
});

test("embedded default: music on hold is the generated [default] class, or Debian's files when asterisk-moh-opsound is installed", () => {
  const without = loadConfiguration({ kind: "embedded", files: embeddedDefaultFiles(PASSWORDS, PINS, false) });
  assert.equal(without.moh.classes.get("default")?.generated, true);
  const withDebian = loadConfiguration({ kind: "embedded", files: embeddedDefaultFiles(PASSWORDS, PINS, true) });
  assert.deepEqual(withDebian.diagnostics.map(formatDiagnostic), []);
  const d = withDebian.moh.classes.get("default");
  assert.deepEqual([d?.generated, d?.directory, d?.sort], [false, "/usr/share/asterisk/moh", "random"]);
});

test("embedded default: with a certificate, SIP over WSS on an HTTPS-only listener at 8089 (no plain HTTP), without diagnostics", () => {
  const https = { certFile: "/var/lib/switchboard/tls/cert.pem", keyFile: "/var/lib/switchboard/tls/privkey.pem" };
  const cfg = loadConfiguration({ kind: "embedded", files: embeddedDefaultFiles(PASSWORDS, PINS, false, https) });
  assert.deepEqual(cfg.diagnostics.map(formatDiagnostic), []);
  assert.deepEqual(checkTraps(cfg).map(formatDiagnostic), []);
  assert.deepEqual(cfg.pjsip.transports.filter((t) => t.protocol === "wss").map((t) => t.id), ["transport-wss"]);
  const g = cfg.http.general;
  assert.deepEqual([g.enabled, g.bindaddr, g.tlsenable, g.tlsbindaddr, g.tlscertfile, g.tlsprivatekey], [true, "", true, "0.0.0.0:8089", https.certFile, https.keyFile]);
  const without = loadConfiguration({ kind: "embedded", files: embeddedDefaultFiles(PASSWORDS, PINS, false) });
  assert.equal(without.pjsip.transports.some((t) => t.protocol === "wss"), false, "no certificate, no WSS");
  assert.equal(without.http.general.enabled, false);
});
