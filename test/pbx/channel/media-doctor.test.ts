/**
 * The media doctor's words for codec trouble: a phone sending a payload type its SDP never agreed,
 * and a transcoded leg none of whose packets decode; a healthy transcoded leg is no fault.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { LegStats } from "../../../src/media/index.js";
import { diagnose } from "../../../src/pbx/channel/media-doctor.js";

const me = { name: "PJSIP/1001-00000001", endpoint: "1001", symmetric: true, mediaLegId: "m1", signallingFrom: "192.0.2.10", contact: "", answeredAt: 0 };
const base: LegStats = {
  id: "m1", localPort: 30000, latched: true, packetsIn: 250, bytesIn: 43000, packetsOut: 250, bytesOut: 43000, rtcpIn: 0, rtcpOut: 0, dropped: 0, malformed: 0, echo: false, playing: false, startedAt: 0,
  advertised: { address: "192.0.2.10", port: 4000 }, observed: { address: "192.0.2.10", port: 4000 }, payloadType: 0,
  agreed: { codecs: [{ name: "ulaw", payloadType: 0 }], eventPayloadType: 101 },
};

test("media doctor: RTP in a payload type the SDP never agreed is named, with the agreed list", () => {
  const text = diagnose(me, "1002", { ...base, payloadType: 18 });
  assert.equal(text, "1001 sends RTP on PJSIP/1001-00000001 in payload type 18, which is not what its SDP agreed (ulaw (payload type 0)): 1002 hears noise or nothing from 1001. Likely cause: the phone ignores the answer's codec list; limit its codecs to the ones in allow= of endpoint 1001");
  assert.equal(diagnose(me, "1002", { ...base, payloadType: 101 }), undefined, "telephone-event is agreed");
  assert.equal(diagnose(me, "1002", { ...base, payloadType: 13 }), undefined, "comfort noise is fine");
});

test("media doctor: a transcoded leg none of whose packets decode is a fault; one that decodes is not", () => {
  const broken = diagnose(me, "1002", { ...base, transcoding: { from: "ulaw", to: "g722", decoded: 0, encoded: 0, undecodable: 240, concealed: 0 } });
  assert.match(broken ?? "", /transcoded from ulaw to g722 for 1002, but none of its 240 packets could be decoded/);
  assert.equal(diagnose(me, "1002", { ...base, transcoding: { from: "ulaw", to: "g722", decoded: 250, encoded: 250, undecodable: 0, concealed: 0 } }), undefined);
});

test("media doctor: a DTLS-SRTP leg without keys says why (the handshake's failure, or who never started it)", () => {
  const failed = diagnose(me, "1002", { ...base, packetsIn: 0, dtls: { role: "client", state: "failed", reason: "the peer's DTLS certificate does not match the a=fingerprint of its SDP" } });
  assert.match(failed ?? "", /^No SRTP keys on PJSIP\/1001-00000001 .*Cause: the DTLS-SRTP handshake failed: the peer's DTLS certificate does not match/);
  const waiting = diagnose(me, "1002", { ...base, packetsIn: 0, dtls: { role: "server", state: "waiting" } });
  assert.match(waiting ?? "", /the phone never started the DTLS-SRTP handshake \(we are the server, a=setup:passive\)/);
  assert.equal(diagnose(me, "1002", { ...base, dtls: { role: "client", state: "connected" } }), undefined, "a connected leg with audio is fine");
});
