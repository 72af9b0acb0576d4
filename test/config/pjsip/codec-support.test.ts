/**
 * What `allow=` really does in Switchboard: codecs that can only be relayed, codecs never
 * negotiated, and endpoints left with no codec at all — reported once at load (so the server
 * logs them) and by `switchboard check`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCheck } from "../../../src/config/check/run-check.js";
import { formatDiagnostic } from "../../../src/config/diagnostic.js";
import { mapAccess } from "../../../src/config/ini/file-access.js";
import { parseConfigFile } from "../../../src/config/ini/parser.js";
import { buildPjsipConfig } from "../../../src/config/pjsip/load-pjsip.js";

function endpoint(id: string, ...lines: string[]): string {
  return [`[${id}]`, "type=endpoint", "disallow=all", ...lines, `aors=${id}`, `[${id}]`, "type=aor", "contact=sip:198.51.100.1", ""].join("\n");
}

function loadLines(text: string): string[] {
  return buildPjsipConfig(parseConfigFile("pjsip.conf", mapAccess({ "pjsip.conf": text }))).diagnostics.map(formatDiagnostic);
}

function checkLines(text: string): string[] {
  return runCheck({ kind: "embedded", files: { "pjsip.conf": text } }).text.trimEnd().split("\n").slice(0, -1);
}

test("codecs: allow=g729,ulaw,alaw,ilbc with send_aoc=yes — check names g729 and ilbc as not available here and advice of charge as not implemented", () => {
  const conf = endpoint("6001", "allow=g729,ulaw,alaw,ilbc", "send_aoc=yes");
  const out = checkLines(conf);
  assert.deepEqual(out, [
    "pjsip.conf:1: warning: endpoint 6001: g729 and ilbc are not available here: Switchboard has no g729 or ilbc codec, so they can only be relayed untouched between phones that both use them (Echo returns them as received), never transcoded to another codec, played or recorded",
    "pjsip.conf:5: warning: [6001] endpoint: option 'send_aoc' is accepted but not implemented yet; it has no effect",
  ]);
  // The same two lines come from loading alone, which is what the server logs at start and reload.
  assert.deepEqual(loadLines(conf).sort(), [...out].sort());
});

test("codecs: G.711, G.722 and Opus give no codec finding; a codec not available here beside them is named", () => {
  assert.deepEqual(loadLines(endpoint("a", "allow=ulaw,alaw,g722,opus")), []);
  const out = loadLines(endpoint("b", "allow=alaw,gsm"));
  assert.equal(out.length, 1);
  assert.match(out[0] ?? "", /^pjsip\.conf:1: warning: endpoint b: gsm is not available here: .* never transcoded to another codec, played or recorded$/);
});

test("codecs: an endpoint with only codecs not available here is told what to add, and is a check error", () => {
  const conf = endpoint("c", "allow=g729");
  assert.match(loadLines(conf)[0] ?? "", /g729 is not available here: .*; add ulaw, alaw, g722 or opus for calls with other phones, Playback and tones$/);
  const check = runCheck({ kind: "embedded", files: { "pjsip.conf": conf } });
  assert.ok(check.text.includes("pjsip.conf:1: error: endpoint c allows only g729, which is not available here: its calls work only with phones that use it too, never transcoded, with Playback or tones; add ulaw, alaw, g722 or opus to allow"), check.text);
  assert.equal(check.errors, 1);
});

test("codecs: endpoints with the same finding share one warning, at the first one, naming up to three", () => {
  const five = ["1", "2", "3", "4", "5"].map((id) => endpoint(id, "allow=ulaw,g729")).join("\n");
  const out = loadLines(five);
  assert.equal(out.length, 1, out.join("\n"));
  assert.match(out[0] ?? "", /^pjsip\.conf:1: warning: endpoints 1, 2, 3 and 2 more: g729 is not available here/);
  const two = loadLines(endpoint("x", "allow=ulaw,g729") + endpoint("y", "allow=ulaw,g729"));
  assert.match(two[0] ?? "", /^pjsip\.conf:1: warning: endpoints x and y: g729/);
});

test("codecs: video and testlaw are named as never negotiated", () => {
  const out = loadLines(endpoint("v", "allow=ulaw,h264,testlaw"));
  assert.deepEqual(out, [
    "pjsip.conf:1: warning: endpoint v: h264 and testlaw are never negotiated: only audio is implemented, so video, text and image streams are declined (port 0); testlaw has no RTP mapping",
  ]);
});

test("codecs: no codec Switchboard can negotiate is a check warning per endpoint (it loads and registers, every call gets 488)", () => {
  const none = endpoint("n");
  assert.deepEqual(loadLines(none), [], "an empty allow list is a check trap, not a load finding");
  assert.deepEqual(checkLines(none), ["pjsip.conf:1: warning: endpoint n allows no codecs, so every call to or from it fails with 488: add e.g. disallow=all and allow=ulaw,alaw"]);
  const video = checkLines(endpoint("w", "allow=h264"));
  assert.ok(
    video.includes("pjsip.conf:1: warning: endpoint w allows no codec Switchboard can negotiate (h264 is video), so every call to or from it fails with 488: add e.g. disallow=all and allow=ulaw,alaw"),
    video.join("\n"),
  );
  assert.equal(runCheck({ kind: "embedded", files: { "pjsip.conf": none } }).errors, 0, "a warning, not an error");
});
