/**
 * SIPp scenarios and server configuration for `bench/calls.ts`. The caller (UAC) is identified
 * by its source address (a trunk-like `identify`, no digest round trip per call), the callee is
 * a SIPp UAS registered as 1002 whose Contact points at its own port. With `rtpFile`, both sides
 * stream G.711 μ-law from a raw file for the whole call (PEERS.md §4: `rtp_stream` expands no
 * keywords, so the path is written literally into the generated XML, and the SDP advertises
 * `[rtpstream_audio_port]`).
 */
import { EMBEDDED_LOGGER_CONF } from "../../src/config/logger/logger-sample.js";

const HEAD = `<?xml version="1.0" encoding="ISO-8859-1" ?>\n<!DOCTYPE scenario SYSTEM "sipp.dtd">\n`;

function sdp(port: string): string {
  return `v=0
      o=sipp 53655765 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio ${port} RTP/AVP 0
      a=rtpmap:0 PCMU/8000
      a=ptime:20`;
}

/** One REGISTER (digest) whose Contact names `contactPort`, where the UAS listens. */
export function registerScenario(contactPort: number): string {
  const req = (cseq: number, auth: string): string => `
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:[service]@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag0[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: ${cseq} REGISTER
      Contact: <sip:[service]@[local_ip]:${contactPort}>
      Expires: 3600${auth}
      Content-Length: 0

    ]]>
  </send>
  <recv response="100" optional="true"/>`;
  return `${HEAD}<scenario name="bench-register">${req(1, "")}
  <recv response="401" auth="true"/>${req(2, "\n      [authentication]")}
  <recv response="200"/>
</scenario>
`;
}

/**
 * Caller: INVITE with SDP, 200 (no dependence on 180: a B2BUA may reorder provisional and final
 * responses under load), ACK, hold for `-d` ms, BYE. ACK/BYE go to the B2BUA's Contact.
 */
export function uacScenario(rtpFile?: string): string {
  const port = rtpFile === undefined ? "[media_port]" : "[rtpstream_audio_port]";
  const stream = rtpFile === undefined ? "" : `\n  <nop><action><exec rtp_stream="${rtpFile},-1,0"/></action></nop>`;
  const stop = rtpFile === undefined ? "" : `\n  <nop><action><exec rtp_stream="pause"/></action></nop>`;
  return `${HEAD}<scenario name="bench-uac">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:bench@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      ${sdp(port)}

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true" rtd="true"/>
  <send>
    <![CDATA[

      ACK [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      [routes]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>${stream}
  <pause/>${stop}
  <send retrans="500" start_txn="bye">
    <![CDATA[

      BYE [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:bench@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      [routes]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <!-- Match the BYE's own transaction: a late retransmission of the INVITE's 200 must not
       count as the answer to the BYE (SIPp matches responses by status code otherwise). -->
  <recv response="200" crlf="true" response_txn="bye"/>
</scenario>
`;
}

/** Callee: answers at once (200 with SDP, retransmitted until the ACK), waits for the BYE. */
export function uasScenario(rtpFile?: string): string {
  const port = rtpFile === undefined ? "[media_port]" : "[rtpstream_audio_port]";
  const stream = rtpFile === undefined ? "" : `\n  <nop><action><exec rtp_stream="${rtpFile},-1,0"/></action></nop>`;
  return `${HEAD}<scenario name="bench-uas">
  <recv request="INVITE" crlf="true"/>
  <send retrans="500">
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:1002@[local_ip]:[local_port]>
      Content-Type: application/sdp
      Content-Length: [len]

      ${sdp(port)}

    ]]>
  </send>
  <recv request="ACK" crlf="true"/>${stream}
  <recv request="BYE"/>
  <send>
    <![CDATA[

      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]>
  </send>
</scenario>
`;
}

export interface BenchConfigOptions {
  readonly serverIp: string;
  readonly serverPort: number;
  readonly uacIp: string;
  readonly uasIp: string;
  readonly calleePassword: string;
  readonly rtpStart: number;
  readonly rtpEnd: number;
}

/** pjsip.conf, extensions.conf, rtp.conf and guard.conf for the bench server. */
export function benchConfig(o: BenchConfigOptions): Record<string, string> {
  const media = "disallow=all\nallow=ulaw\ndirect_media=no\nrtp_symmetric=yes\n";
  return {
    "pjsip.conf": `[transport-udp]
type=transport
protocol=udp
bind=${o.serverIp}:${o.serverPort}

[uac]
type=endpoint
context=bench
${media}
[uac]
type=identify
endpoint=uac
match=${o.uacIp}

[1002]
type=endpoint
context=bench
auth=1002
aors=1002
${media}
[1002]
type=auth
auth_type=digest
username=1002
password=${o.calleePassword}

[1002]
type=aor
max_contacts=1
remove_existing=yes
`,
    "extensions.conf": `[bench]
exten => 1002,1,Dial(PJSIP/1002,10)
 same => n,Hangup()
`,
    "rtp.conf": `[general]\nrtpstart=${o.rtpStart}\nrtpend=${o.rtpEnd}\n`,
    // Both SIPp instances send hundreds of requests per second from one address each: whitelist
    // them, or the guard (on by default) rightly rate-limits and bans them as a flood.
    "guard.conf": `[general]\nwhitelist=${o.uacIp}/32\nwhitelist=${o.uasIp}/32\n`,
    // Asterisk's sample logging (the embedded default's): a call that works writes no line.
    "logger.conf": process.env.BENCH_LOGGER_CONF ?? EMBEDDED_LOGGER_CONF,
  };
}
