/**
 * Outbound registration against a real registrar: Kamailio 5.6 (Debian `kamailio`) on 127.0.0.4
 * stands in for the provider, with usrloc in memory and digest auth (MD5, qop=auth) against a
 * fixed password. Its script answers 423 (Min-Expires: 120) to a REGISTER asking for less than
 * 120 s, 403 to the user `banned`, challenges everyone else, and logs each REGISTER it sees and
 * each binding it saves. An OPTIONS sent to the registered number through Kamailio (lookup in
 * its location table) must reach Switchboard, which proves the binding points at us.
 *
 * Checked: 423 → asked again with 120, 401 → answered, `pjsip show registrations` Registered;
 * wrong password → Rejected with one WARNING naming the auth; 403 → Rejected, not retried;
 * `pjsip send unregister` / `pjsip send register`; the PBX's stop unregisters and a restart
 * registers again.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { KAMAILIO_MODULES, startKamailio, type Kamailio } from "../helpers/kamailio.js";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { waitUntil } from "../helpers/processes.js";
import { SipClient } from "../helpers/sip-client.js";

const SERVER_IP = "127.0.0.1";
const PROVIDER_IP = "127.0.0.4";
const LINE_NUMBER = "5550001";
const PROBE_IP = "127.0.0.5";
const NUMBER = "1234567890";
const PASSWORD = randomPassword();

function kamailioConfig(port: number): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
auto_aliases=no
listen=udp:${PROVIDER_IP}:${port}
mpath="${KAMAILIO_MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)

request_route {
  if (is_method("REGISTER")) {
    xlog("L_NOTICE", "REG user=$fU expires=$hdr(Expires) contact=$ct auth=$(hdr(Authorization){s.len})\\n");
    if ($hdr(Expires) != "0" && $(hdr(Expires){s.int}) < 120) {
      append_to_reply("Min-Expires: 120\\r\\n");
      sl_send_reply("423", "Interval Too Brief");
      exit;
    }
    if ($fU == "banned") {
      sl_send_reply("403", "Forbidden");
      exit;
    }
    if (!pv_auth_check("$fd", "${PASSWORD}", "0", "1")) {
      auth_challenge("$fd", "1");
      exit;
    }
    consume_credentials();
    if (!save("location")) {
      sl_reply_error();
      exit;
    }
    xlog("L_NOTICE", "SAVED user=$fU expires=$hdr(Expires)\\n");
    exit;
  }
  if (is_method("INVITE") && $rU == "${LINE_NUMBER}") {
    if (!lookup("location")) {
      sl_send_reply("404", "Not registered");
      exit;
    }
    xlog("L_NOTICE", "LOOKUP ${LINE_NUMBER} -> $ru\n");
    t_relay();
    exit;
  }
  if (is_method("OPTIONS") && $rU == "${NUMBER}") {
    if (!lookup("location")) {
      sl_send_reply("404", "Not registered");
      exit;
    }
    xlog("L_NOTICE", "LOOKUP ${NUMBER} -> $ru\\n");
    t_relay();
    exit;
  }
  sl_send_reply("404", "Not here");
}
`;
}

function pjsipConf(port: number, providerPort: number): string {
  const provider = `${PROVIDER_IP}:${providerPort}`;
  return `[transport-udp]
type=transport
protocol=udp
bind=${SERVER_IP}:${port}

[trunk]
type=registration
server_uri=sip:${provider}
client_uri=sip:${NUMBER}@${PROVIDER_IP}
contact_user=${NUMBER}
outbound_auth=trunk-auth
expiration=60
retry_interval=60
max_random_initial_delay=0

[trunk-auth]
type=auth
auth_type=digest
username=${NUMBER}
password=${PASSWORD}

[wrongpw]
type=registration
server_uri=sip:${provider}
client_uri=sip:2222@${PROVIDER_IP}
outbound_auth=wrongpw-auth
expiration=300
max_random_initial_delay=0

[wrongpw-auth]
type=auth
username=2222
password=not-the-password

[lined]
type=registration
server_uri=sip:${provider}
client_uri=sip:${LINE_NUMBER}@${PROVIDER_IP}
contact_user=${LINE_NUMBER}
outbound_auth=lined-auth
line=yes
endpoint=lined-ep
expiration=300
max_random_initial_delay=0

[lined-auth]
type=auth
username=${LINE_NUMBER}
password=${PASSWORD}

[lined-ep]
type=endpoint
context=from-line
disallow=all
allow=ulaw

[banned]
type=registration
server_uri=sip:${provider}
client_uri=sip:banned@${PROVIDER_IP}
outbound_auth=trunk-auth
expiration=300
max_random_initial_delay=0
`;
}

describe("outbound registration to a Kamailio registrar with digest auth", { timeout: 120_000 }, () => {
  let pbx: Pbx;
  let kamailio: Kamailio;
  let port: number;
  let providerPort: number;

  const regLines = (user: string) => kamailio.log().split("\n").filter((l) => l.includes(`REG user=${user} `));
  const saved = (user: string) => kamailio.log().split("\n").filter((l) => l.includes(`SAVED user=${user} `));
  const row = async (id: string) => ((await pbx.rx("pjsip show registrations")).stdout.split("\n").find((l) => l.startsWith(` ${id}/`)) ?? "");
  const waitRow = async (id: string, re: RegExp) => {
    await waitUntil(async () => re.test(await row(id)), 10000, `registration ${id} matching ${re}: '${await row(id)}'\n${kamailio.log()}\n${pbx.diagnostics()}`);
  };

  before(async () => {
    port = await freePort(SERVER_IP);
    providerPort = await freePort(PROVIDER_IP);
    kamailio = await startKamailio({ config: kamailioConfig(providerPort), ip: PROVIDER_IP, port: providerPort });
    pbx = await startPbx({ configFiles: { "pjsip.conf": pjsipConf(port, providerPort), "extensions.conf": `[default]\n\n[from-line]\nexten => ${LINE_NUMBER},1,Hangup(17)\n` } });
  });

  after(async () => {
    await pbx?.stop();
    await kamailio?.stop();
  });

  it("registers: 423 → asked again with Min-Expires 120, 401 → answered; Registered in the console, and the binding routes to us", async () => {
    await waitRow("trunk", /Registered\s+\(exp\. 1[01]\ds\)$/);
    const reqs = regLines(NUMBER);
    assert.match(reqs[0] ?? "", /expires=60 .*auth=$/, reqs.join("\n"));
    assert.match(reqs[1] ?? "", /expires=120 .*auth=$/);
    assert.match(reqs[2] ?? "", /expires=120 contact=<sip:1234567890@127\.0\.0\.1:\d+> auth=[1-9]\d*$/);
    assert.equal(saved(NUMBER).length, 1);
    const r = await row("trunk");
    assert.equal(r.slice(0, 57), ` trunk/sip:${PROVIDER_IP}:${providerPort}`.padEnd(55) + "  ");
    assert.equal(r.slice(57, 85), "trunk-auth".padEnd(26) + "  ");

    const probe = await SipClient.udp({ server: { ip: PROVIDER_IP, port: providerPort }, localIp: PROBE_IP });
    try {
      const res = await probe.request(probe.buildRequest({ method: "OPTIONS", fromUser: "probe", toUser: NUMBER, uri: `sip:${NUMBER}@${PROVIDER_IP}:${providerPort}` }));
      assert.equal(res.status, 200, `OPTIONS via the provider's location table: ${res.raw}\n${kamailio.log()}`);
      assert.match(kamailio.log(), new RegExp(`LOOKUP ${NUMBER} -> sip:${NUMBER}@127\\.0\\.0\\.1:${port}`));
    } finally {
      probe.close();
    }
    const detail = (await pbx.rx("pjsip show registration trunk")).stdout;
    assert.match(detail, /^ trunk\/sip:127\.0\.0\.4:\d+ +trunk-auth +Registered/m);
    assert.match(detail, /^ +server_uri +: sip:127\.0\.0\.4:\d+$/m);
    assert.match(detail, /^Last response: 200 OK$/m);
  });

  it("line=yes: our Contact carries a line token; a call the provider sends to it belongs to endpoint=, though its source matches no identify", async () => {
    await waitRow("lined", /Registered/);
    const contact = regLines(LINE_NUMBER).map((l) => /contact=<([^>]*)>/.exec(l)?.[1]).find((c) => c !== undefined) ?? "";
    const token = /;line=([0-9a-f]{16})$/.exec(contact)?.[1];
    assert.ok(token, `Contact with a line parameter: ${contact}`);
    const probe = await SipClient.udp({ server: { ip: PROVIDER_IP, port: providerPort }, localIp: PROBE_IP });
    try {
      const sdp = ["v=0", `o=- 1 1 IN IP4 ${PROBE_IP}`, "s=-", `c=IN IP4 ${PROBE_IP}`, "t=0 0", "m=audio 40000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", ""].join("\r\n");
      const res = await probe.request(probe.buildRequest({ method: "INVITE", fromUser: "+15550100", toUser: LINE_NUMBER, uri: `sip:${LINE_NUMBER}@${PROVIDER_IP}:${providerPort}`, contact: `<sip:probe@${PROBE_IP}:${probe.localPort}>`, headers: ["Content-Type: application/sdp"], body: sdp }));
      assert.match(kamailio.log(), new RegExp(`LOOKUP ${LINE_NUMBER} -> sip:${LINE_NUMBER}@127\\.0\\.0\\.1:${port};line=${token}`));
      // Identified as lined-ep (no auth=): its dialplan ran and refused with Busy, not a 401 challenge.
      assert.equal(res.status, 486, res.raw);
      await pbx.waitForLog(new RegExp(`call from 127\\.0\\.0\\.4:\\d+ to '${LINE_NUMBER}' in context 'from-line'`));
    } finally {
      probe.close();
    }
  });

  it("a wrong password is Rejected with one WARNING naming the auth; 403 is Rejected and not retried", async () => {
    await waitRow("wrongpw", /Rejected/);
    await waitRow("banned", /Rejected/);
    const log = await pbx.waitForLog(/Registration 'wrongpw'.*is now Rejected/);
    assert.match(log, /WARNING.*Registration 'wrongpw' \(sip:2222@127\.0\.0\.4 at sip:127\.0\.0\.4:\d+\) is now Rejected: the registrar refused our credentials \(401 Unauthorized again after auth 'wrongpw-auth' answered its challenge\): check username and password in auth 'wrongpw-auth'; not retrying \(auth_rejection_permanent=yes\)/);
    const banned = await pbx.waitForLog(/Registration 'banned'.*is now Rejected/);
    assert.match(banned, /WARNING.*Registration 'banned' .*is now Rejected: 403 Forbidden from the provider: check username and password in auth 'trunk-auth' and client_uri sip:banned@127\.0\.0\.4; not retrying \(forbidden_retry_interval=0\)/);
    assert.equal(regLines("2222").length, 2, "challenge answered once, then given up");
    assert.equal(regLines("banned").length, 1);
    assert.equal(saved("2222").length, 0);
  });

  it("pjsip send unregister removes the binding (Expires 0); pjsip send register brings it back", async () => {
    const before = regLines(NUMBER).length;
    const un = await pbx.rx("pjsip send unregister trunk");
    assert.match(un.stdout, /Registration 'trunk': Unregistered/);
    assert.ok(regLines(NUMBER).slice(before).some((l) => / expires=0 /.test(l)), kamailio.log());
    await waitRow("trunk", /Unregistered/);
    const re = await pbx.rx("pjsip send register trunk");
    assert.match(re.stdout, /REGISTER sent/);
    await waitRow("trunk", /Registered/);
    assert.equal((await pbx.rx("pjsip send register nosuch")).stdout, "Unable to retrieve registration nosuch\n");
  });

  it("stopping the PBX unregisters; after a restart it registers again", async () => {
    const before = regLines(NUMBER).length;
    pbx = await pbx.restart();
    const after = regLines(NUMBER).slice(before);
    assert.ok(after.some((l) => / expires=0 /.test(l)), `unregister on stop:\n${after.join("\n")}`);
    await waitRow("trunk", /Registered/);
    assert.ok(saved(NUMBER).length >= 3);
  });
});
