import { test } from "node:test";
import assert from "node:assert/strict";
import { checkTraps } from "../../../src/config/check/traps.js";
import { runCheck } from "../../../src/config/check/run-check.js";
import { formatDiagnostic } from "../../../src/config/diagnostic.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";

function traps(pjsip: string): string[] {
  return checkTraps(loadConfiguration({ kind: "embedded", files: { "pjsip.conf": pjsip } })).map(formatDiagnostic);
}

const PHONE = "[1001]\ntype=endpoint\nallow=ulaw\nauth=1001\naors=1001\n[1001]\ntype=auth\nusername=1001\npassword=s\n[1001]\ntype=aor\nmax_contacts=1\n";

test("traps: a registering endpoint with Asterisk's NAT-hostile defaults gets the NAT fix", () => {
  assert.deepEqual(traps(PHONE), [
    "pjsip.conf:1: warning: endpoint 1001 may register from behind NAT but has rtp_symmetric=no, rewrite_contact=no, direct_media=yes: set rtp_symmetric=yes, rewrite_contact=yes, direct_media=no",
  ]);
});

test("traps: local_net on the transport does not silence the NAT warning", () => {
  const out = traps(`[t]\ntype=transport\nlocal_net=192.168.0.0/16\n${PHONE}`);
  assert.equal(out.length, 1);
  assert.match(out[0] ?? "", /may register from behind NAT/);
});

test("traps: NAT-safe settings, or an endpoint that does not register, give no NAT warning", () => {
  assert.deepEqual(traps(PHONE.replace("aors=1001\n", "aors=1001\nrtp_symmetric=yes\nrewrite_contact=yes\ndirect_media=no\n")), []);
  assert.deepEqual(traps("[t]\ntype=endpoint\nallow=ulaw\naors=t\n[t]\ntype=aor\ncontact=sip:198.51.100.1\n"), []);
});

test("traps: force_rport=no is named too", () => {
  const out = traps(PHONE.replace("aors=1001\n", "aors=1001\nrtp_symmetric=yes\nrewrite_contact=yes\ndirect_media=no\nforce_rport=no\n"));
  assert.deepEqual(out, ["pjsip.conf:1: warning: endpoint 1001 may register from behind NAT but has force_rport=no: set force_rport=yes"]);
});

test("traps: max_contacts=0 on the AOR of an endpoint with auth= warns about 403", () => {
  const out = traps("[p]\ntype=endpoint\nallow=ulaw\nauth=p\naors=p\n[p]\ntype=auth\nusername=p\npassword=x\n[p]\ntype=aor\n");
  assert.deepEqual(out, [
    "pjsip.conf:10: warning: aor p has max_contacts=0, so REGISTER for endpoint p (which has auth=) will be refused with 403: set max_contacts=1 (or more; remove_existing=yes lets a phone replace its old registration)",
  ]);
});

test("traps: no codecs, no aors, empty password and a match-less identify are each reported", () => {
  const out = traps("[e]\ntype=endpoint\ndisallow=all\n[a]\ntype=auth\nusername=a\n[i]\ntype=identify\nendpoint=e\n");
  assert.deepEqual(out, [
    "pjsip.conf:1: warning: endpoint e allows no codecs, so every call to or from it fails with 488: add e.g. disallow=all and allow=ulaw,alaw",
    "pjsip.conf:1: warning: endpoint e has no aors=, so it cannot register and calls to it cannot be routed: add aors=e and an [e] type=aor section",
    "pjsip.conf:4: warning: auth a has an empty password and no password_digest, so authentication with it always fails: set password=",
    "pjsip.conf:7: warning: identify i has no match, match_header or match_request_uri, so it never matches: add e.g. match=198.51.100.1",
  ]);
});

test("runCheck: prints every diagnostic sorted by file and line, then a summary", () => {
  const report = runCheck({ kind: "embedded", files: { "pjsip.conf": "[x]\nfoo\n[e]\ntype=endpoint\nmedia_encryption=yes\n" } });
  assert.equal(report.errors, 3);
  assert.equal(report.warnings, 1);
  assert.deepEqual(report.text.trimEnd().split("\n"), [
    "pjsip.conf:1: error: [x] has no type=; every pjsip.conf section needs one (type=transport, type=endpoint, type=aor, type=auth, type=identify, type=registration, type=global or type=system)",
    "pjsip.conf:2: warning: No '=' (equal sign) in line 2 of pjsip.conf",
    "pjsip.conf:3: error: Could not create an object of type 'endpoint' with id 'e' from pjsip.conf:3; fix the errors in this section (the rest of the file is loaded)",
    "pjsip.conf:5: error: [e] endpoint: media_encryption=yes is not valid; use no, sdes or dtls; for SRTP with keys in the SDP write media_encryption=sdes; for DTLS-SRTP media_encryption=dtls",
    "3 errors, 1 warning in 1 file from the embedded configuration (0 transports, 0 endpoints, 0 aors, 0 auths, 0 identify)",
  ]);
});
