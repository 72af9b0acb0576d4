/**
 * Calls through a SIP trunk, with a real provider standing in: Kamailio 5.6 (Debian `kamailio`)
 * on 127.0.0.4 plays the provider's edge proxy. It logs every request it gets (Request-URI, From,
 * To, P-Asserted-Identity, Remote-Party-ID, Contact, whether Proxy-Authorization came), challenges
 * the PBX's INVITE and BYE with 407 (digest MD5, qop=auth, username checked against the From
 * user), record-routes, and forwards the authenticated INVITE to "the public network": a baresip
 * phone on 127.0.0.3 that answers and plays 440 Hz. The office phone is baresip 1001 on
 * 127.0.0.2, playing 1000 Hz. Inbound, a baresip "carrier" on 127.0.0.4 (the provider's address,
 * matched by identify) calls a DID; the same call from 127.0.0.5 is refused.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { assertTone, checkTone, makeToneWav } from "../helpers/audio.js";
import { startBaresip, type Baresip } from "../helpers/baresip.js";
import { KAMAILIO_MODULES, startKamailio, type Kamailio } from "../helpers/kamailio.js";
import { startPbx, type Pbx } from "../helpers/pbx.js";
import { pjsipConf, randomPassword } from "../helpers/pjsip-conf.js";
import { freePort } from "../helpers/ports.js";
import { scratchDir, waitUntil } from "../helpers/processes.js";
import { SipClient } from "../helpers/sip-client.js";
import { describeSipp, startSippBackground } from "../helpers/sipp.js";
import { execFileSync } from "node:child_process";

const SERVER_IP = "127.0.0.1";
const PHONE_IP = "127.0.0.2";
const FAR_IP = "127.0.0.3";
const PROVIDER_IP = "127.0.0.4";
const STRANGER_IP = "127.0.0.5";
const PHONE = { id: "1001", password: randomPassword() };
const ACCOUNT = "acct77";
const TRUNK_PASSWORD = randomPassword();
const PROVIDER_DOMAIN = "sip.provider.test";
const DID = "4930555123";
const CALL_SECONDS = 6;
const HEARD_SECONDS = CALL_SECONDS - 2;

function providerConfig(o: { port: number; pbxPort: number; farPort: number }): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
auto_aliases=no
listen=udp:${PROVIDER_IP}:${o.port}
mpath="${KAMAILIO_MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "auth.so"

request_route {
  xlog("L_NOTICE", "PROV $rm from $si ruri=$ru from=$hdr(From) to=$hdr(To) pai=$hdr(P-Asserted-Identity) rpid=$hdr(Remote-Party-ID) contact=$hdr(Contact) pauth=$(hdr(Proxy-Authorization){s.len}) route=$hdr(Route)\\n");
  if (has_totag()) {
    if (loose_route()) {
      if (is_method("BYE") && $si == "${SERVER_IP}") {
        if (!pv_auth_check("$fd", "${TRUNK_PASSWORD}", "0", "1")) {
          xlog("L_NOTICE", "CHALLENGE BYE\\n");
          auth_challenge("$fd", "1");
          exit;
        }
        xlog("L_NOTICE", "AUTHED BYE user=$au\\n");
        consume_credentials();
      }
      t_relay();
      exit;
    }
    if (is_method("ACK")) {
      if (t_check_trans()) t_relay();
      exit;
    }
    sl_send_reply("404", "Not here");
    exit;
  }
  if (is_method("CANCEL")) {
    if (t_check_trans()) t_relay();
    exit;
  }
  if (is_method("INVITE") && $si == "${SERVER_IP}") {
    if (!pv_auth_check("$fd", "${TRUNK_PASSWORD}", "0", "1")) {
      xlog("L_NOTICE", "CHALLENGE INVITE\\n");
      auth_challenge("$fd", "1");
      exit;
    }
    xlog("L_NOTICE", "AUTHED INVITE user=$au ruri=$ru\\n");
    consume_credentials();
    record_route();
    $du = "sip:${FAR_IP}:${o.farPort}";
    t_relay();
    exit;
  }
  sl_send_reply("404", "Not here");
}
`;
}

function pbxPjsip(port: number, providerPort: number): string {
  return pjsipConf({
    ip: SERVER_IP,
    port,
    endpoints: [{ ...PHONE, context: "internal", endpointOptions: { callerid: `"Alice Example" <${PHONE.id}>`, direct_media: "no" } }],
    extra: `
[provider]
type=endpoint
transport=transport-udp
context=from-provider
disallow=all
allow=ulaw
outbound_auth=provider-auth
aors=provider
from_user=${ACCOUNT}
from_domain=${PROVIDER_DOMAIN}
send_pai=yes
send_rpid=yes
direct_media=no

[provider-auth]
type=auth
auth_type=digest
username=${ACCOUNT}
password=${TRUNK_PASSWORD}

[provider]
type=aor
contact=sip:${PROVIDER_IP}:${providerPort}

[provider]
type=identify
endpoint=provider
match=${PROVIDER_IP}

; The classic trap: unidentified callers land in a context that can dial out.
[anonymous]
type=endpoint
context=internal
disallow=all
allow=ulaw
`,
  });
}

const EXTENSIONS = `[internal]
exten => _9X.,1,Dial(PJSIP/\${EXTEN:1}@provider,20)
 same => n,Hangup()

[from-provider]
exten => ${DID},1,Dial(PJSIP/${PHONE.id},20)
 same => n,Hangup()
`;

/** The provider's log lines for one kind of request. */
function lines(k: Kamailio, prefix: string): string[] {
  return k.log().split("\n").filter((l) => l.includes(prefix));
}

describe("calls through a SIP trunk (baresip → Switchboard → Kamailio provider → baresip), and DIDs from it", { timeout: 180_000 }, () => {
  let pbx: Pbx;
  let provider: Kamailio;
  let port: number;
  let providerPort: number;
  let farPort: number;
  const dir = scratchDir("trunk-calls");
  const tone1000 = makeToneWav(join(dir, "t1000.wav"), { frequency: 1000, seconds: CALL_SECONDS });
  const tone440 = makeToneWav(join(dir, "t440.wav"), { frequency: 440, seconds: 30 });

  before(async () => {
    port = await freePort(SERVER_IP);
    providerPort = await freePort(PROVIDER_IP);
    farPort = await freePort(FAR_IP);
    pbx = await startPbx({
      configFiles: {
        "pjsip.conf": pbxPjsip(port, providerPort),
        "extensions.conf": EXTENSIONS,
        "rtp.conf": "[general]\nrtpstart=35000\nrtpend=35999\n",
      },
    });
    provider = await startKamailio({ config: providerConfig({ port: providerPort, pbxPort: port, farPort }), ip: PROVIDER_IP, port: providerPort });
  });

  after(async () => {
    await provider?.stop();
    await pbx?.stop();
  });

  async function officePhone(source: string, answer: boolean): Promise<Baresip> {
    const p = await startBaresip({
      ip: PHONE_IP,
      rtpPorts: "20400-20499",
      audioSource: source,
      accounts: [`<sip:${PHONE.id}@${SERVER_IP}:${port};transport=udp>;auth_pass=${PHONE.password};audio_codecs=pcmu;regint=600${answer ? ";answermode=auto" : ""}`],
      maxSeconds: 60,
    });
    await waitUntil(async () => /OK/.test(await p.reginfo()), 10000, `${PHONE.id} registered`);
    return p;
  }

  async function released(): Promise<void> {
    await waitUntil(async () => {
      const out = (await pbx.rx("core show resources")).stdout;
      return /Channels:\s+0/.test(out) && /RTP ports in use:\s+0/.test(out) ? out : undefined;
    }, 10000, "all channels and RTP ports released");
  }

  it("a phone dials 9 + a number: the provider gets it as Asterisk sends it, challenges with 407, gets the authenticated INVITE; audio flows both ways and the challenged BYE is answered", async () => {
    const far = await startBaresip({ ip: FAR_IP, sipPort: farPort, rtpPorts: "20500-20599", audioSource: tone440, accounts: [`<sip:${DID}@${FAR_IP}:${farPort};transport=udp>;regint=0;audio_codecs=pcmu;answermode=auto`], maxSeconds: 60 });
    const phone = await officePhone(tone1000, false);
    try {
      await phone.command(`dial sip:9${DID}@${SERVER_IP}:${port}`);
      await phone.waitEvent("CALL_ESTABLISHED", 15000).catch((e: unknown) => {
        throw new Error(`${String(e)}\nPBX:\n${pbx.diagnostics()}\nprovider:\n${provider.log()}\nfar end:\n${far.log()}`);
      });
      await phone.waitEvent("CALL_CLOSED", 20000);
      await new Promise((r) => setTimeout(r, 500));
      const log = provider.log();
      const invites = lines(provider, `PROV INVITE from ${SERVER_IP}`);
      assert.ok(invites.length >= 2, `the provider saw the INVITE and its authenticated resubmission:\n${log}`);
      const first = invites[0] ?? "";
      // Request-URI and To: the number at the trunk's static contact; From: from_user@from_domain
      // with the caller's name; PAI and RPID carry the caller's number.
      assert.match(first, new RegExp(`ruri=sip:${DID}@${PROVIDER_IP.replace(/\./g, "\\.")}:${providerPort} `), first);
      assert.match(first, new RegExp(`to=<sip:${DID}@${PROVIDER_IP.replace(/\./g, "\\.")}:${providerPort}>`), first);
      assert.match(first, new RegExp(`from="Alice Example" <sip:${ACCOUNT}@${PROVIDER_DOMAIN.replace(/\./g, "\\.")}>;tag=`), first);
      assert.match(first, new RegExp(`pai="Alice Example" <sip:${PHONE.id}@${PROVIDER_DOMAIN.replace(/\./g, "\\.")}> `), first);
      assert.match(first, /rpid="Alice Example" <sip:1001@sip\.provider\.test>;party=calling;privacy=off;screen=no /, first);
      assert.match(first, /pauth= route/, first);
      assert.ok(lines(provider, "CHALLENGE INVITE").length >= 1, log);
      assert.match(log, new RegExp(`AUTHED INVITE user=${ACCOUNT} ruri=sip:${DID}@`), log);
      assert.match(invites[1] ?? "", /pauth=[1-9]/, invites[1]);
      // The caller hung up: the BYE to the trunk was challenged and answered.
      await waitUntil(() => /AUTHED BYE user=acct77/.test(provider.log()), 5000, `authenticated BYE\n${provider.log()}`);
      assert.ok(lines(provider, "CHALLENGE BYE").length >= 1, provider.log());
      const heardByFar = far.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByPhone = phone.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByFar && heardByPhone, `recordings: ${far.recordings().join(",")} / ${phone.recordings().join(",")}`);
      assertTone(checkTone(heardByFar, 1000, { minSeconds: HEARD_SECONDS }), "far end on the public network", 1000);
      assertTone(checkTone(heardByPhone, 440, { minSeconds: HEARD_SECONDS }), `${PHONE.id} (caller)`, 440);
      await released();
    } finally {
      await phone.stop();
      await far.stop();
    }
  });

  it("early media: the provider's 183 with SDP reaches the caller, who hears the announcement before the 486", async () => {
    const ulaw = join(dir, "t440.ulaw");
    execFileSync("sox", [tone440, "-t", "raw", "-e", "u-law", ulaw]);
    const far = await startSippBackground({ scenario: earlyMediaScenario(ulaw), localIp: FAR_IP, localPort: farPort, args: ["-m", "1", "-mi", FAR_IP] });
    const phone = await officePhone(tone1000, false);
    try {
      await phone.command(`dial sip:9${DID}@${SERVER_IP}:${port}`);
      await phone.waitEvent("CALL_CLOSED", 20000);
      const r = await far.done;
      assert.equal(r.code, 0, describeSipp(r));
      await new Promise((res) => setTimeout(res, 500));
      const heard = phone.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heard, `recordings: ${phone.recordings().join(",")}\n${phone.log().slice(-3000)}`);
      assertTone(checkTone(heard, 440, { minSeconds: 2.5 }), `${PHONE.id} (caller, early media)`, 440);
      assert.doesNotMatch(phone.log(), /CALL_ESTABLISHED/);
      await released();
    } finally {
      await phone.stop();
      await far.stop();
    }
  });

  it("a call to the DID from the provider's address (identify match) rings the phone, with audio both ways", async () => {
    const phone = await officePhone(tone440, true);
    const carrier = await startBaresip({ ip: PROVIDER_IP, rtpPorts: "20600-20699", audioSource: tone1000, accounts: [`<sip:+15550100@${PROVIDER_IP};transport=udp>;regint=0;audio_codecs=pcmu`], maxSeconds: 60 });
    try {
      await carrier.command(`dial sip:${DID}@${SERVER_IP}:${port}`);
      const established = await phone.waitEvent("CALL_ESTABLISHED", 10000);
      // The caller ID the phone sees is the carrier's number (From, as trust_id_inbound is off).
      assert.match(JSON.stringify(established), /15550100/, JSON.stringify(established));
      await carrier.waitEvent("CALL_ESTABLISHED", 10000);
      await carrier.waitEvent("CALL_CLOSED", 20000);
      await new Promise((r) => setTimeout(r, 500));
      const heardByPhone = phone.recordings().find((f) => f.endsWith("-dec.wav"));
      const heardByCarrier = carrier.recordings().find((f) => f.endsWith("-dec.wav"));
      assert.ok(heardByPhone && heardByCarrier);
      assertTone(checkTone(heardByPhone, 1000, { minSeconds: HEARD_SECONDS }), `${PHONE.id} (callee of the DID)`, 1000);
      assertTone(checkTone(heardByCarrier, 440, { minSeconds: HEARD_SECONDS }), "caller on the public network", 440);
      await released();
    } finally {
      await carrier.stop();
      await phone.stop();
    }
  });

  it("the same INVITE from another address is refused and rings nobody; an unauthenticated INVITE to an external number never reaches the provider", async () => {
    const client = await SipClient.udp({ server: { ip: SERVER_IP, port }, localIp: STRANGER_IP });
    try {
      for (const user of [DID, `9${DID}`]) {
        const before = lines(provider, "PROV INVITE").length;
        const raw = client.buildRequest({ method: "INVITE", fromUser: "+15550100", toUser: user, contact: `<sip:+15550100@${STRANGER_IP}:${client.localPort}>`, headers: ["Content-Type: application/sdp"], body: sdp(STRANGER_IP) });
        const res = await client.request(raw);
        assert.ok(res.status >= 400, `${user}: ${res.raw}`);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(lines(provider, "PROV INVITE").length, before, provider.log());
      }
      // The anonymous caller reached Dial(…@provider) in its context; the toll-fraud gate stopped it.
      await pbx.waitForLog(new RegExp(`Toll fraud: call from endpoint 'anonymous' \\(caller \\+15550100, ${STRANGER_IP.replace(/\./g, "\\.")}:\\d+\\) to ${DID} through trunk 'provider' refused: the caller neither authenticated nor matched an identify section`), 5000);
      await released();
    } finally {
      client.close();
    }
  });

  it("an international number from a phone not in international_allowed is refused before it reaches the provider, with one NOTICE", async () => {
    const phone = await officePhone(tone1000, false);
    try {
      const before = lines(provider, "PROV INVITE").length;
      await phone.command(`dial sip:90044207946000@${SERVER_IP}:${port}`);
      await phone.waitEvent("CALL_CLOSED", 10000);
      const notice = await pbx.waitForLog(/Toll fraud: call from endpoint '1001' \(caller 1001, 127\.0\.0\.2:\d+\) to 0044207946000 through trunk 'provider' refused: international number \(prefix 00\) and endpoint '1001' is not in international_allowed \(guard\.conf\)/, 5000);
      assert.equal(notice.split("\n").filter((l) => l.includes("Toll fraud")).length >= 1, true);
      assert.equal(lines(provider, "PROV INVITE").length, before, provider.log());
      await released();
    } finally {
      await phone.stop();
    }
  });
});

/**
 * The far end of a call that never answers: 183 Session Progress with SDP, 4 s of 440 Hz as early
 * media (an announcement, as networks play), then 486 Busy Here.
 */
function earlyMediaScenario(ulaw: string): string {
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="early media then busy">
  <recv request="INVITE" crlf="true"/>
  <send><![CDATA[
SIP/2.0 183 Session Progress
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
[last_Record-Route:]
Contact: <sip:[local_ip]:[local_port];transport=[transport]>
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [rtpstream_audio_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
]]></send>
  <nop><action><exec rtp_stream="${ulaw},1,0"/></action></nop>
  <pause milliseconds="4000"/>
  <nop><action><exec rtp_stream="pause"/></action></nop>
  <send><![CDATA[
SIP/2.0 486 Busy Here
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
  <recv request="ACK"/>
</scenario>
`;
}

function sdp(ip: string): string {
  return ["v=0", `o=- 1 1 IN IP4 ${ip}`, "s=-", `c=IN IP4 ${ip}`, "t=0 0", "m=audio 40000 RTP/AVP 0", "a=rtpmap:0 PCMU/8000", ""].join("\r\n");
}
