/**
 * DTMF routing rules: how each dtmf_mode reaches a phone given its SDP, what a DTMF INFO body
 * says, and that a digit goes to the partner in the partner's method, but never twice over the
 * media path that already carried it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText, type EndpointConfig } from "../../../src/config/index.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { DtmfRelay, parseDtmfInfo, type DtmfLeg } from "../../../src/pbx/channel/dtmf.js";
import { dtmfMethodOf, offersTelephoneEvent } from "../../../src/pbx/media-session/dtmf-method.js";

const MODES = ["rfc4733", "inband", "info", "auto", "auto_info", "none"] as const;
const cfg = buildPjsipConfig(parseConfigText(MODES.map((m) => `[${m}]\ntype=endpoint\ndtmf_mode=${m}\n`).join("\n"), "pjsip.conf"));
const ep = (m: string): EndpointConfig => cfg.endpoints.get(m)!;

test("dtmf: each dtmf_mode's method with and without a negotiated telephone-event, and which modes offer one", () => {
  assert.deepEqual(MODES.map((m) => dtmfMethodOf(ep(m), true)), ["rfc4733", "inband", "info", "rfc4733", "rfc4733", "none"]);
  assert.deepEqual(MODES.map((m) => dtmfMethodOf(ep(m), false)), ["none", "inband", "info", "inband", "info", "none"]);
  assert.deepEqual(MODES.map((m) => offersTelephoneEvent(ep(m))), [true, false, false, true, true, false]);
  assert.deepEqual(cfg.diagnostics, [], "every dtmf_mode loads without a not-implemented warning");
});

test("dtmf: INFO bodies in application/dtmf-relay (Signal/Duration, 10 and 11 for * and #) and application/dtmf", () => {
  assert.deepEqual(parseDtmfInfo("application/dtmf-relay", "Signal=5\r\nDuration=160\r\n"), { digit: "5", durationMs: 160 });
  assert.deepEqual(parseDtmfInfo("Application/DTMF-Relay; charset=x", "signal = #\nduration= 80"), { digit: "#", durationMs: 80 });
  assert.deepEqual(parseDtmfInfo("application/dtmf-relay", "Signal=10\r\n"), { digit: "*", durationMs: 100 });
  assert.deepEqual(parseDtmfInfo("application/dtmf", "b"), { digit: "B", durationMs: 100 });
  assert.equal(parseDtmfInfo("application/dtmf-relay", "Signal=X\r\n"), undefined);
  assert.equal(parseDtmfInfo("text/plain", "Signal=5"), undefined);
});

function fakeLeg(name: string, mode: string, event: boolean): DtmfLeg & { infos: string[] } {
  const infos: string[] = [];
  const listeners = new Map<string, (x: unknown) => void>();
  const session = {
    on: (n: string, f: (x: unknown) => void) => listeners.set(n, f),
    info: (b: { body: string }) => (infos.push(b.body), true),
    emit: (n: string, x: unknown) => listeners.get(n)?.(x),
  };
  return { name, mediaLegId: `m-${name}`, endpoint: ep(mode), media: { agreedTelephoneEvent: event ? { payloadType: 101, clockRate: 8000 } : undefined }, session: session as never, infos };
}

test("dtmf: a digit goes to the partner in its method, and not again over the path that carried it", () => {
  const sent: string[] = [];
  const relay = new DtmfRelay({ media: { sendDtmf: (id, d, ms, how) => void sent.push(`${id} ${d} ${ms} ${how}`) }, log: new CaptureLogger() });
  const rfc = fakeLeg("rfc", "rfc4733", true);
  const rfc2 = fakeLeg("rfc2", "rfc4733", true);
  const inband = fakeLeg("inband", "inband", false);
  const info = fakeLeg("info", "info", false);
  const pairs: Array<[DtmfLeg, DtmfLeg]> = [[rfc, info], [inband, rfc2]];
  for (const [a, b] of pairs) {
    relay.attach(a, () => b);
    relay.attach(b, () => a);
  }
  relay.fromMedia("m-rfc", "5", 120, "rfc4733");
  assert.deepEqual(info.infos, ["Signal=5\r\nDuration=120\r\n"], "RFC 4733 → INFO");
  relay.fromMedia("m-inband", "7", 90, "inband");
  assert.deepEqual(sent, ["m-rfc2 7 90 rfc4733"], "inband → RFC 4733 events");
  relay.fromMedia("m-rfc2", "8", 100, "rfc4733");
  assert.deepEqual(sent.at(-1), "m-inband 8 100 inband", "RFC 4733 → tones");
  relay.fromMedia("m-info", "1", 100, "inband");
  assert.equal(sent.length, 2, "tones heard on an info leg are its audio, not keys");
  (info.session as unknown as { emit(n: string, x: unknown): void }).emit("request", { method: "INFO", headers: { get: () => "application/dtmf-relay" }, body: Buffer.from("Signal=#\r\nDuration=100\r\n") });
  assert.equal(sent.at(-1), "m-rfc # 100 rfc4733", "INFO → RFC 4733 events");
});

test("dtmf: a digit from a leg bridged to nothing is kept for the dialplan (apps that read digits), whatever its mode", () => {
  const relay = new DtmfRelay({ media: { sendDtmf: () => {} }, log: new CaptureLogger() });
  const heard: string[] = [];
  const inband = { ...fakeLeg("dialplan", "inband", false), heardDigit: (d: string) => void heard.push(d) };
  const info = { ...fakeLeg("dialplan2", "info", false), heardDigit: (d: string) => void heard.push(d) };
  relay.attach(inband, () => undefined);
  relay.attach(info, () => undefined);
  relay.fromMedia("m-dialplan", "4", 100, "inband");
  (info.session as unknown as { emit(n: string, x: unknown): void }).emit("request", { method: "INFO", headers: { get: () => "application/dtmf" }, body: Buffer.from("9") });
  assert.deepEqual(heard, ["4", "9"]);
});

test("dtmf: an intercepted leg's digits go to its interceptor, its events are held in the worker, and passOn sends them on", () => {
  const sent: string[] = [];
  const options: string[] = [];
  const relay = new DtmfRelay({
    media: { sendDtmf: (id, d, ms, how) => void sent.push(`${id} ${d} ${ms} ${how}`), setOptions: (id, o) => void options.push(`${id} ${JSON.stringify(o)}`) },
    log: new CaptureLogger(),
  });
  const a = fakeLeg("a", "rfc4733", true);
  const b = fakeLeg("b", "rfc4733", true);
  relay.attach(a, () => b);
  relay.attach(b, () => a);
  const seen: string[] = [];
  const hook = { digit: (d: string) => void seen.push(d) };
  relay.intercept("m-a", hook);
  assert.deepEqual(options, ['m-a {"holdEvents":true}']);
  relay.fromMedia("m-a", "#", 100, "rfc4733");
  assert.deepEqual(seen, ["#"]);
  assert.deepEqual(sent, [], "nothing reached b: the event was held, and the interceptor has it");
  relay.passOn("m-a", "5", 120, "rfc4733");
  assert.deepEqual(sent, ["m-b 5 120 rfc4733"], "a key passed on is sent to b as events (it did not cross in the media)");
  relay.fromMedia("m-b", "1", 100, "rfc4733");
  assert.deepEqual(seen, ["#"], "b's keys are not a's interceptor's");
  relay.release("m-a", { digit: () => undefined });
  assert.equal(options.length, 1, "another interceptor cannot release it");
  relay.release("m-a", hook);
  assert.deepEqual(options[1], 'm-a {"holdEvents":false}');
  relay.fromMedia("m-a", "2", 100, "rfc4733");
  assert.deepEqual(sent, ["m-b 5 120 rfc4733"], "released: rfc4733 ↔ rfc4733 crosses in the media again, not sent twice");
});
