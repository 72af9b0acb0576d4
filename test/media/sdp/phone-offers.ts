// SDP offers shaped like those real phones send (addresses from documentation ranges; keys and
// fingerprints are dummies). Lines are joined with CRLF as they appear on the wire.
const sdp = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join("");

export const BARESIP = sdp(
  "v=0",
  "o=- 1915342383 3281553919 IN IP4 192.168.1.20",
  "s=-",
  "c=IN IP4 192.168.1.20",
  "t=0 0",
  "m=audio 41534 RTP/AVP 96 9 0 8 101",
  "b=AS:64",
  "a=rtpmap:96 opus/48000/2",
  "a=fmtp:96 stereo=1;sprop-stereo=1",
  "a=rtpmap:9 G722/8000",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-15",
  "a=sendrecv",
  "a=label:1",
  "a=ssrc:1874214546 cname:4f1ed7b3-b0a4-4a02-9c7b-8ab3e8f1a2c0",
  "a=rtcp-rsize",
  "a=ptime:20",
);

export const LINPHONE = sdp(
  "v=0",
  "o=1001 3120 2546 IN IP4 192.168.1.21",
  "s=Talk",
  "c=IN IP4 192.168.1.21",
  "t=0 0",
  "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics",
  "a=record:off",
  "m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100",
  "a=rtpmap:96 opus/48000/2",
  "a=fmtp:96 useinbandfec=1",
  "a=rtpmap:97 speex/16000",
  "a=fmtp:97 vbr=on",
  "a=rtpmap:98 speex/8000",
  "a=fmtp:98 vbr=on",
  "a=fmtp:18 annexb=yes",
  "a=rtpmap:101 telephone-event/48000",
  "a=rtpmap:99 telephone-event/16000",
  "a=rtpmap:100 telephone-event/8000",
  "a=rtcp-fb:* trr-int 1000",
  "a=rtcp-fb:* ccm tmmbr",
  "m=video 9078 RTP/AVP 96 97",
  "a=rtpmap:96 VP8/90000",
  "a=rtpmap:97 H264/90000",
  "a=fmtp:97 profile-level-id=42801F",
);

export const ZOIPER = sdp(
  "v=0",
  "o=Z 1700000000000 1 IN IP4 10.0.0.5",
  "s=Z",
  "c=IN IP4 10.0.0.5",
  "t=0 0",
  "m=audio 52264 RTP/AVP 106 9 98 101 0 8 3",
  "a=rtpmap:106 opus/48000/2",
  "a=fmtp:106 sprop-maxcapturerate=16000; minptime=20; useinbandfec=1",
  "a=rtpmap:98 telephone-event/48000",
  "a=fmtp:98 0-16",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-16",
  "a=sendrecv",
  "a=rtcp-mux",
);

export const YEALINK = sdp(
  "v=0",
  "o=- 20033 20033 IN IP4 192.168.1.30",
  "s=SDP data",
  "c=IN IP4 192.168.1.30",
  "t=0 0",
  "m=audio 11780 RTP/AVP 0 8 18 9 101",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:18 G729/8000",
  "a=fmtp:18 annexb=no",
  "a=rtpmap:9 G722/8000",
  "a=fmtp:101 0-15",
  "a=rtpmap:101 telephone-event/8000",
  "a=ptime:20",
  "a=sendrecv",
);

/** Yealink putting the call on hold with a re-INVITE (RFC 3264 §8.4). */
export const YEALINK_HOLD = YEALINK.replace("a=sendrecv", "a=sendonly").replace("20033 20033", "20033 20034");

export const CHROME_WEBRTC = sdp(
  "v=0",
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1",
  "s=-",
  "t=0 0",
  "a=group:BUNDLE 0",
  "a=extmap-allow-mixed",
  "a=msid-semantic: WMS",
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126",
  "c=IN IP4 0.0.0.0",
  "a=rtcp:9 IN IP4 0.0.0.0",
  "a=candidate:842163049 1 udp 1677729535 203.0.113.7 53211 typ srflx raddr 192.168.1.40 rport 53211 generation 0",
  "a=ice-ufrag:Kq0b",
  "a=ice-pwd:8xJHYgqU0Q2VkmlhkXk5JLqN",
  "a=ice-options:trickle",
  "a=fingerprint:sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF",
  "a=setup:actpass",
  "a=mid:0",
  "a=sendrecv",
  "a=rtcp-mux",
  "a=rtpmap:111 opus/48000/2",
  "a=rtcp-fb:111 transport-cc",
  "a=fmtp:111 minptime=10;useinbandfec=1",
  "a=rtpmap:63 red/48000/2",
  "a=fmtp:63 111/111",
  "a=rtpmap:9 G722/8000",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:13 CN/8000",
  "a=rtpmap:110 telephone-event/48000",
  "a=rtpmap:126 telephone-event/8000",
);

export const CISCO = sdp(
  "v=0",
  "o=CiscoSystemsSIP-GW-UserAgent 4618 4384 IN IP4 198.51.100.10",
  "s=SIP Call",
  "c=IN IP4 198.51.100.10",
  "t=0 0",
  "m=audio 16384 RTP/AVP 18 0 101 19",
  "c=IN IP4 198.51.100.11",
  "a=rtpmap:18 G729/8000",
  "a=fmtp:18 annexb=no",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-16",
  "a=rtpmap:19 CN/8000",
  "a=silenceSupp:off - - - -",
  "a=ptime:20",
);

/** SIPp's built-in uac scenario body. */
export const SIPP_DEFAULT = sdp(
  "v=0",
  "o=user1 53655765 2353687637 IN IP4 127.0.0.1",
  "s=-",
  "c=IN IP4 127.0.0.1",
  "t=0 0",
  "m=audio 6000 RTP/AVP 0",
  "a=rtpmap:0 PCMU/8000",
);

/** Static payload types only, no rtpmap at all (RFC 3551 Table 4 makes that legal). */
export const STATIC_NO_RTPMAP = sdp("v=0", "o=- 1 1 IN IP4 192.0.2.9", "s=-", "c=IN IP4 192.0.2.9", "t=0 0", "m=audio 5004 RTP/AVP 8 0 9 3 18");

export const IPV6 = sdp(
  "v=0",
  "o=- 77 1 IN IP6 2001:db8::20",
  "s=-",
  "c=IN IP6 2001:db8::20",
  "t=0 0",
  "m=audio 4000 RTP/AVP 8 0 101",
  "a=rtpmap:101 telephone-event/8000",
  "a=fmtp:101 0-16",
  "a=rtcp:4001",
);

export const DECLINED_AUDIO = sdp("v=0", "o=- 5 6 IN IP4 192.0.2.10", "s=-", "c=IN IP4 192.0.2.10", "t=0 0", "m=audio 0 RTP/AVP 0");

/** RFC 2543 hold: connection address 0.0.0.0, no direction attribute. */
export const RFC2543_HOLD = sdp("v=0", "o=- 5 7 IN IP4 192.0.2.10", "s=-", "c=IN IP4 0.0.0.0", "t=0 0", "m=audio 4002 RTP/AVP 0 8", "a=rtpmap:0 PCMU/8000");

/** Dynamic payload type 96 without an rtpmap: meaningless, so only PCMU remains. */
export const MISSING_RTPMAP = sdp("v=0", "o=- 9 9 IN IP4 192.0.2.11", "s=-", "c=IN IP4 192.0.2.11", "t=0 0", "m=audio 5000 RTP/AVP 96 0", "a=rtpmap:0 PCMU/8000");

/** A desk phone with SRTP enabled (SDES keys, RTP/SAVP profile). */
export const SDES_SAVP = sdp(
  "v=0",
  "o=- 11 11 IN IP4 192.0.2.12",
  "s=-",
  "c=IN IP4 192.0.2.12",
  "t=0 0",
  "m=audio 5010 RTP/SAVP 0 8 101",
  "a=rtpmap:0 PCMU/8000",
  "a=rtpmap:8 PCMA/8000",
  "a=rtpmap:101 telephone-event/8000",
  "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32",
);

/** Opportunistic SRTP: plain RTP/AVP that also carries keys (RFC 8643). */
export const SDES_OPTIONAL = SDES_SAVP.replace("RTP/SAVP", "RTP/AVP");

/** RTP/AVPF without encryption (some softphones with feedback enabled). */
export const PLAIN_AVPF = SIPP_DEFAULT.replace("RTP/AVP", "RTP/AVPF");

export const PHONE_OFFERS: ReadonlyArray<readonly [string, string]> = [
  ["baresip", BARESIP],
  ["Linphone", LINPHONE],
  ["Zoiper", ZOIPER],
  ["Yealink", YEALINK],
  ["Yealink hold", YEALINK_HOLD],
  ["Chrome WebRTC", CHROME_WEBRTC],
  ["Cisco gateway", CISCO],
  ["SIPp default", SIPP_DEFAULT],
  ["static payload types", STATIC_NO_RTPMAP],
  ["IPv6", IPV6],
  ["declined audio", DECLINED_AUDIO],
  ["RFC 2543 hold", RFC2543_HOLD],
  ["missing rtpmap", MISSING_RTPMAP],
  ["SDES", SDES_SAVP],
  ["optional SDES", SDES_OPTIONAL],
  ["AVPF", PLAIN_AVPF],
];
