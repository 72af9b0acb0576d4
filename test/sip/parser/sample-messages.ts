/** Valid SIP messages shared by the parser tests, fuzzers and the benchmark. */

const CRLF = "\r\n";

export function lines(...l: string[]): string {
  return l.join(CRLF);
}

export const REGISTER_WITH_AUTH = Buffer.from(
  lines(
    "REGISTER sip:pbx.example.test SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.50:5062;rport;branch=z9hG4bK-524287-1---8d1c2f7a",
    "Max-Forwards: 70",
    'From: "1001" <sip:1001@pbx.example.test>;tag=b4a1c7e2',
    "To: <sip:1001@pbx.example.test>",
    "Call-ID: NjY0ZDQ2MWM3ZWEzYjE0ZjA1YTY@192.0.2.50",
    "CSeq: 2 REGISTER",
    "Contact: <sip:1001@192.0.2.50:5062;rinstance=4a1b9d1c;transport=UDP>",
    "Expires: 3600",
    "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE",
    "User-Agent: Softphone 5.1 (build 1234)",
    'Authorization: Digest username="1001",realm="asterisk",nonce="1712345678/1f2e3d4c5b6a7980",uri="sip:pbx.example.test",response="0f9e8d7c6b5a49382716051423324150",cnonce="abcdef0123",nc=00000001,qop=auth,algorithm=MD5',
    "Allow-Events: presence, kpml, talk",
    "Content-Length: 0",
    "",
    "",
  ),
);

export const INVITE_WITH_SDP = (() => {
  const sdp = lines(
    "v=0",
    "o=- 3712345678 3712345678 IN IP4 192.0.2.50",
    "s=call",
    "c=IN IP4 192.0.2.50",
    "t=0 0",
    "m=audio 40000 RTP/AVP 0 8 101",
    "a=rtpmap:101 telephone-event/8000",
    "a=sendrecv",
    "",
  );
  return Buffer.from(
    lines(
      "INVITE sip:2000@pbx.example.test SIP/2.0",
      "Via: SIP/2.0/UDP 192.0.2.50:5062;branch=z9hG4bKinv1;rport",
      "Max-Forwards: 70",
      'From: "Alice" <sip:1001@pbx.example.test>;tag=f1',
      "To: <sip:2000@pbx.example.test>",
      "Call-ID: invite-1@192.0.2.50",
      "CSeq: 10 INVITE",
      "Contact: <sip:1001@192.0.2.50:5062>",
      "Content-Type: application/sdp",
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      "",
      sdp,
    ),
  );
})();

export const RESPONSE_200 = Buffer.from(
  lines(
    "SIP/2.0 200 OK",
    "Via: SIP/2.0/UDP 192.0.2.50:5062;branch=z9hG4bKinv1;rport=5062;received=192.0.2.50",
    "Via: SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bKup",
    'From: "Alice" <sip:1001@pbx.example.test>;tag=f1',
    "To: <sip:2000@pbx.example.test>;tag=t2",
    "Call-ID: invite-1@192.0.2.50",
    "CSeq: 10 INVITE",
    "Record-Route: <sip:pbx.example.test;lr>",
    "Content-Length: 0",
    "",
    "",
  ),
);

export const SAMPLES: readonly Buffer[] = [REGISTER_WITH_AUTH, INVITE_WITH_SDP, RESPONSE_200];
