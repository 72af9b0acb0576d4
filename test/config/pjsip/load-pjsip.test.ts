import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../../src/config/diagnostic.js";
import { mapAccess } from "../../../src/config/ini/file-access.js";
import { parseConfigFile } from "../../../src/config/ini/parser.js";
import { buildPjsipConfig, type PjsipConfigResult } from "../../../src/config/pjsip/load-pjsip.js";

function load(text: string, extra: Record<string, string> = {}): PjsipConfigResult {
  return buildPjsipConfig(parseConfigFile("pjsip.conf", mapAccess({ "pjsip.conf": text, ...extra })));
}

function lines(cfg: PjsipConfigResult): string[] {
  return cfg.diagnostics.map(formatDiagnostic);
}

const THIS_FILE = new URL(import.meta.url).pathname;

test("pjsip endpoint: defaults are Asterisk's", () => {
  const cfg = load("[6001]\ntype=endpoint\n");
  const ep = cfg.endpoints.get("6001");
  assert.ok(ep);
  assert.equal(ep.context, "default");
  assert.equal(ep.directMedia, true);
  assert.equal(ep.rtpSymmetric, false);
  assert.equal(ep.forceRport, true);
  assert.equal(ep.rewriteContact, false);
  assert.equal(ep.dtmfMode, "rfc4733");
  assert.deepEqual(ep.identifyBy, ["username", "ip"]);
  assert.equal(ep.mediaEncryption, "no");
  assert.equal(ep.rel100, "yes");
  assert.equal(ep.timers, "yes");
  assert.equal(ep.timersMinSe, 90);
  assert.equal(ep.timersSessExpires, 1800);
  assert.equal(ep.deviceStateBusyAt, 0);
  assert.deepEqual(ep.allow, []);
  assert.deepEqual({ id: ep.id, file: ep.file, line: ep.line }, { id: "6001", file: "pjsip.conf", line: 1 });
});

test("pjsip endpoint: options are parsed into typed values", () => {
  const cfg = load(
    [
      "[6001]", "type=endpoint", "context=from-internal", "disallow=all", "allow=ulaw,alaw", "allow=g722:20",
      "aors=6001, 6001b", "auth=6001", "direct_media=no", "rtp_symmetric=yes", "rewrite_contact=on",
      "identify_by=ip", "media_encryption=SDES", "rtp_timeout=30", "callerid=\"Alice\" <6001>",
      "[6001]", "type=aor", "[6001b]", "type=aor", "[6001]", "type=auth", "username=6001", "password=x",
    ].join("\n"),
  );
  const ep = cfg.endpoints.get("6001");
  assert.ok(ep);
  assert.deepEqual(ep.allow, [{ name: "ulaw" }, { name: "alaw" }, { name: "g722", ptime: 20 }]);
  assert.deepEqual(ep.aors, ["6001", "6001b"]);
  assert.equal(ep.rewriteContact, true);
  assert.equal(ep.mediaEncryption, "sdes");
  assert.equal(ep.rtpTimeout, 30);
  assert.equal(ep.callerid, '"Alice" <6001>');
  // G.722 is decoded like G.711 (no codec finding); media_encryption=sdes without a TLS
  // transport is told its keys travel in clear text.
  assert.deepEqual(lines(cfg).map((l) => l.split(":").slice(0, 4).join(":")), ["pjsip.conf:1: warning: [6001] endpoint"]);
  assert.equal(
    lines(cfg)[0],
    "pjsip.conf:1: warning: [6001] endpoint: media_encryption=sdes sends the SRTP keys in the SDP, and no transport has protocol=tls, so the keys travel in clear text with the SIP and anyone who captures it can decrypt the audio; add a TLS transport (docs/tls.md) and point the phone at it",
  );
  // With a TLS transport the same endpoint loads without that warning; a dtls endpoint with an
  // ephemeral certificate has nothing to warn about.
  const tls = load(["[t]", "type=transport", "protocol=tls", "bind=127.0.0.1:5061", `cert_file=${THIS_FILE}`, `priv_key_file=${THIS_FILE}`, "[a]", "type=endpoint", "media_encryption=sdes", "[b]", "type=endpoint", "media_encryption=dtls", "dtls_auto_generate_cert=yes"].join("\n"));
  assert.deepEqual(lines(tls).filter((l) => l.includes("media_encryption") || l.includes("dtls")), []);
});

test("loadPjsipConfig: media_encryption=dtls with an unreadable dtls_cert_file, or dtls_verify=certificate without a CA, is warned about with the fix", () => {
  const r = load(["[b]", "type=endpoint", "media_encryption=dtls", "dtls_cert_file=/nonexistent/dtls.pem", "dtls_verify=yes"].join("\n"));
  const dtls = lines(r).filter((l) => l.includes("dtls"));
  assert.ok(dtls.some((l) => /\[b\] endpoint: dtls_cert_file=\/nonexistent\/dtls\.pem cannot be read \(ENOENT\), so its DTLS-SRTP calls are refused with 488/.test(l)), dtls.join("\n"));
  assert.ok(dtls.some((l) => /dtls_verify=yes checks the phone's certificate against dtls_ca_file\/dtls_ca_path, and neither is set/.test(l)), dtls.join("\n"));
});

test("pjsip endpoint: media_encryption=yes rejects the endpoint with file:line and the valid values", () => {
  const cfg = load("[1001]\ntype=endpoint\ncontext=x\nmedia_encryption=yes\n[1002]\ntype=endpoint\n");
  assert.equal(cfg.endpoints.has("1001"), false);
  assert.equal(cfg.endpoints.has("1002"), true, "the rest of the file loads");
  assert.deepEqual(lines(cfg), [
    "pjsip.conf:4: error: [1001] endpoint: media_encryption=yes is not valid; use no, sdes or dtls; for SRTP with keys in the SDP write media_encryption=sdes; for DTLS-SRTP media_encryption=dtls",
    "pjsip.conf:1: error: Could not create an object of type 'endpoint' with id '1001' from pjsip.conf:1; fix the errors in this section (the rest of the file is loaded)",
  ]);
});

test("pjsip endpoint: an unknown option rejects the object and suggests the right name", () => {
  const cfg = load("[6001]\ntype=endpoint\nrtp_symetric=yes\n");
  assert.equal(cfg.endpoints.size, 0);
  assert.equal(
    lines(cfg)[0],
    "pjsip.conf:3: error: Could not find option 'rtp_symetric' for object type 'endpoint' in section [6001] at pjsip.conf:3; did you mean 'rtp_symmetric'?",
  );
});

test("pjsip endpoint: chan_sip options get pjsip advice", () => {
  const cfg = load("[6001]\ntype=endpoint\nnat=force_rport,comedia\n");
  assert.match(lines(cfg)[0] ?? "", /'nat' is a chan_sip \(sip\.conf\) option: in pjsip\.conf write rtp_symmetric=yes/);
});

test("pjsip endpoint: an unknown codec rejects the endpoint", () => {
  const cfg = load("[6001]\ntype=endpoint\nallow=ulaw,g7299\n");
  assert.equal(cfg.endpoints.size, 0);
  assert.match(lines(cfg)[0] ?? "", /^pjsip\.conf:3: error: \[6001\] endpoint: allow=ulaw,g7299 is not valid; Cannot allow unknown format 'g7299'; did you mean 'g729'/);
});

test("pjsip endpoint: timers_min_se below 90 is rejected with Asterisk's reason", () => {
  const cfg = load("[6001]\ntype=endpoint\ntimers_min_se=60\n");
  assert.match(lines(cfg).join("\n"), /timers_min_se=60 is not valid; Session timer minimum expires time must be 90 or greater/);
});

test("pjsip endpoint: rtp_port_start without rtp_port_end is rejected", () => {
  const cfg = load("[6001]\ntype=endpoint\nrtp_port_start=20000\n");
  assert.equal(cfg.endpoints.size, 0);
  assert.match(lines(cfg).join("\n"), /pjsip\.conf:1: error: \[6001\] endpoint: rtp_port_start and rtp_port_end must be set together/);
});

test("pjsip endpoint: webrtc=yes switches on the WebRTC preset", () => {
  const cfg = load("[web]\ntype=endpoint\nwebrtc=yes\n");
  const ep = cfg.endpoints.get("web");
  assert.ok(ep);
  assert.equal(ep.mediaEncryption, "dtls");
  assert.equal(ep.iceSupport, true);
  assert.equal(ep.rtcpMux, true);
  assert.equal(ep.dtlsSetup, "actpass");
});

test("pjsip: a not-implemented option is accepted with one warning per option", () => {
  const cfg = load("[a]\ntype=endpoint\nrpid_immediate=yes\n[b]\ntype=endpoint\nrpid_immediate=yes\n");
  assert.equal(cfg.endpoints.size, 2);
  assert.deepEqual(lines(cfg), ["pjsip.conf:3: warning: [a] endpoint: option 'rpid_immediate' is accepted but not implemented yet; it has no effect"]);
});

test("pjsip transport: bind gets the protocol's default port", () => {
  const cfg = load(
    `[u]\ntype=transport\nbind=0.0.0.0\n[t]\ntype=transport\nprotocol=tls\nbind=0.0.0.0\ncert_file=${THIS_FILE}\npriv_key_file=${THIS_FILE}\n[x]\ntype=transport\nprotocol=tcp\nbind=[::]:5070\n`,
  );
  assert.deepEqual(cfg.transports.map((t) => [t.id, t.protocol, t.bind.host, t.bind.port]), [
    ["u", "udp", "0.0.0.0", 5060],
    ["t", "tls", "0.0.0.0", 5061],
    ["x", "tcp", "::", 5070],
  ]);
});

test("pjsip transport: protocol=tls without cert_file/priv_key_file, with a missing file or with method=sslv3 is an error naming it", () => {
  const cfg = load("[t]\ntype=transport\nprotocol=tls\n[m]\ntype=transport\nprotocol=tls\ncert_file=/nonexistent/cert.pem\npriv_key_file=/nonexistent/key.pem\nmethod=sslv3\n");
  const text = cfg.diagnostics.map(formatDiagnostic).join("\n");
  assert.match(text, /\[t\] transport: protocol=tls needs cert_file and priv_key_file; make a pair with `switchboard cert`/);
  assert.match(text, /\[m\] transport: cert_file=\/nonexistent\/cert\.pem does not exist/);
  assert.match(text, /\[m\] transport: method=sslv3 is not available/);
  const strict = load(`[s]\ntype=transport\nprotocol=tls\ncert_file=${THIS_FILE}\npriv_key_file=${THIS_FILE}\nverify_client=yes\n`);
  assert.match(strict.diagnostics.map(formatDiagnostic).join("\n"), /verify_client=yes needs ca_list_file or ca_list_path/);
  assert.deepEqual(cfg.transports.map((t) => t.id), [], "neither transport is created");
});

test("pjsip transport: local_net accepts CIDR and dotted masks, repeatable", () => {
  const cfg = load("[n]\ntype=transport\nlocal_net=192.0.2.0/24\nlocal_net=10.0.0.0/255.0.0.0\nexternal_media_address=203.0.113.1\n");
  const t = cfg.transports[0];
  assert.deepEqual(t?.localNet.map((n) => `${n.address}/${n.prefixLength}`), ["192.0.2.0/24", "10.0.0.0/8"]);
  assert.equal(t?.externalMediaAddress, "203.0.113.1");
});

test("pjsip aor: defaults and values", () => {
  const cfg = load("[a]\ntype=aor\n[b]\ntype=aor\nmax_contacts=2\ncontact=sip:1.2.3.4\ncontact=sip:5.6.7.8\nqualify_timeout=1.5\n");
  const a = cfg.aors.get("a");
  assert.deepEqual(
    [a?.maxContacts, a?.removeExisting, a?.removeUnavailable, a?.defaultExpiration, a?.minimumExpiration, a?.maximumExpiration, a?.qualifyFrequency, a?.qualifyTimeout, a?.authenticateQualify],
    [0, false, false, 3600, 60, 7200, 0, 3.0, false],
  );
  const b = cfg.aors.get("b");
  assert.deepEqual(b?.contact, ["sip:1.2.3.4", "sip:5.6.7.8"]);
  assert.equal(b?.qualifyTimeout, 1.5);
});

test("pjsip auth: userpass is converted to digest with a warning; md5_cred becomes password_digest", () => {
  const cfg = load("[a]\ntype=auth\nauth_type=userpass\nusername=u\nmd5_cred=43a8d9be3da524f9a59ca0593d7b1b5d\n");
  const a = cfg.auths.get("a");
  assert.equal(a?.authType, "digest");
  assert.deepEqual(a?.passwordDigest, [{ algorithm: "MD5", hash: "43a8d9be3da524f9a59ca0593d7b1b5d" }]);
  assert.equal(a?.nonceLifetime, 32);
  assert.deepEqual(lines(cfg), [
    "pjsip.conf:3: warning: [a] auth: auth_type=userpass: deprecated and treated as digest; write auth_type=digest",
    "pjsip.conf:5: warning: [a] auth: md5_cred is deprecated; write password_digest=MD5:<hash> instead",
  ]);
});

test("pjsip identify: match items are kept, hostnames unresolved", () => {
  const cfg = load("[t]\ntype=endpoint\n[t]\ntype=identify\nendpoint=t\nmatch=198.51.100.1,198.51.100.0/24\nmatch=sip.example.com\n");
  const id = cfg.identifies[0];
  assert.deepEqual(id?.match.map((m) => m.kind), ["ip", "ip", "host"]);
  assert.equal(id?.srvLookups, true);
});

test("pjsip global/system: sections named [global]/[system] imply their type; defaults otherwise", () => {
  const implied = load("[global]\nuser_agent=Test PBX\n[system]\ntimer_t1=1000\n");
  assert.equal(implied.global.userAgent, "Test PBX");
  assert.equal(implied.system.timerT1, 1000);
  const defaults = load("");
  assert.deepEqual(
    [defaults.global.userAgent, defaults.global.defaultRealm, defaults.global.endpointIdentifierOrder, defaults.global.keepAliveInterval, defaults.global.maxForwards, defaults.global.unidentifiedRequestCount],
    ["Switchboard", "asterisk", ["ip", "username", "anonymous"], 90, 70, 5],
  );
  assert.deepEqual(
    [defaults.system.timerT1, defaults.system.timerB, defaults.system.compactHeaders, defaults.system.disableTcpSwitch, defaults.system.disableRport],
    [500, 32000, false, true, false],
  );
});

test("pjsip: a section without type= is an error", () => {
  const cfg = load("[6001]\ncontext=x\n");
  assert.match(lines(cfg)[0] ?? "", /^pjsip\.conf:1: error: \[6001\] has no type=/);
});

test("pjsip: a misspelt type gets a suggestion; domain_alias is accepted as not implemented", () => {
  const cfg = load("[a]\ntype=endpiont\n[r]\ntype=domain_alias\ndomain=x\n");
  assert.deepEqual(cfg.diagnostics.map((d) => d.severity), ["error", "warning"]);
  assert.match(lines(cfg)[0] ?? "", /type=endpiont is not a known object type; did you mean type=endpoint\?/);
  assert.match(lines(cfg)[1] ?? "", /object type 'domain_alias' is not implemented yet/);
});

test("pjsip: a duplicate id of the same type is rejected naming both lines", () => {
  const cfg = load("[6001]\ntype=endpoint\ncontext=a\n[6001]\ntype=endpoint\ncontext=b\n");
  assert.equal(cfg.endpoints.get("6001")?.context, "a");
  assert.deepEqual(lines(cfg), [
    "pjsip.conf:4: error: [6001] endpoint: duplicate object: '6001' of type 'endpoint' is already defined at pjsip.conf:1; this definition at pjsip.conf:4 is ignored (Asterisk would reject the whole file)",
  ]);
});

test("pjsip: templates apply to endpoints and are not objects themselves", () => {
  const cfg = load("[phone](!)\ntype=endpoint\ncontext=internal\nallow=ulaw\n[1001](phone)\nallow=alaw\n");
  assert.deepEqual([...cfg.endpoints.keys()], ["1001"]);
  assert.deepEqual(cfg.endpoints.get("1001")?.allow, [{ name: "ulaw" }, { name: "alaw" }]);
  assert.equal(cfg.endpoints.get("1001")?.line, 5);
});

test("pjsip cross-references: missing aor, auth, outbound_auth, transport and identify endpoint are errors", () => {
  const cfg = load("[e]\ntype=endpoint\naors=nope\nauth=gone\noutbound_auth=away\ntransport=t9\n[i]\ntype=identify\nendpoint=ghost\nmatch=1.2.3.4\n");
  assert.deepEqual(lines(cfg), [
    "pjsip.conf:1: error: [e] endpoint: aors=nope names aor 'nope', which does not exist or was not loaded; endpoint e cannot be reached",
    "pjsip.conf:1: error: [e] endpoint: auth=gone names auth 'gone', which does not exist or was not loaded; endpoint e cannot authenticate",
    "pjsip.conf:1: error: [e] endpoint: outbound_auth=away names auth 'away', which does not exist or was not loaded",
    "pjsip.conf:1: error: [e] endpoint: transport=t9 names a transport that does not exist or was not loaded",
    "pjsip.conf:7: error: [i] identify: endpoint=ghost names an endpoint that does not exist or was not loaded",
  ]);
});

test("pjsip: objects in included files carry the included file and line", () => {
  const cfg = load("#include pjsip.d/phones.conf\n", { "pjsip.d/phones.conf": "\n[7001]\ntype=endpoint\nbogus=1\n" });
  assert.equal(lines(cfg)[0], "pjsip.d/phones.conf:4: error: Could not find option 'bogus' for object type 'endpoint' in section [7001] at pjsip.d/phones.conf:4");
  assert.deepEqual(cfg.files, ["pjsip.conf", "pjsip.d/phones.conf"]);
});

test("pjsip transport: two transports on the same protocol, address and port are an error", () => {
  const cfg = load("[a]\ntype=transport\nbind=0.0.0.0:5060\n[b]\ntype=transport\nbind=0.0.0.0\n[c]\ntype=transport\nprotocol=tcp\nbind=0.0.0.0\n");
  assert.deepEqual(lines(cfg), ["pjsip.conf:4: error: [b] transport: bind udp 0.0.0.0:5060 is already used by transport a; give one of them another port or address"]);
});
