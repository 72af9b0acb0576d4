/**
 * aor `qualify_2xx_only` (Asterisk 20.12/21.7/22.2): without it any final answer to a qualify
 * OPTIONS proves the contact reachable; with it only a 2xx does. Driven through the Qualifier's
 * own schedule, so the option is read from the loaded configuration as in the server.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText } from "../../../src/config/index.js";
import { FakeClock } from "../../../src/core/clock.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { EndpointDirectory } from "../../../src/pbx/endpoint/directory.js";
import { Qualifier } from "../../../src/pbx/registrar/qualify.js";
import type { ContactRecord } from "../../../src/pbx/registrar/store/contact-store.js";
import { TransactionLayer } from "../../../src/sip/transaction/transaction-layer.js";
import { DEFAULT_TIMERS } from "../../../src/sip/transaction/timers.js";
import { TransportSet } from "../../../src/sip/transport/transport-set.js";
import { FakeTransport } from "../../helpers/fake-transport.js";

const PHONE = "198.51.100.7";

function contactState(aorLines: string, status: number): string {
  const cfg = buildPjsipConfig(parseConfigText(`[p]\ntype=endpoint\nallow=ulaw\naors=p\n[p]\ntype=aor\nmax_contacts=1\nqualify_frequency=60\n${aorLines}`, "pjsip.conf"));
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === "error"), []);
  const directory = new EndpointDirectory(cfg);
  const clock = new FakeClock();
  const log = new CaptureLogger();
  const transport = new FakeTransport({ localAddress: "192.0.2.1" });
  const transports = new TransportSet();
  transports.add(transport);
  const layer = new TransactionLayer({ clock, log, timers: DEFAULT_TIMERS, userAgent: "test" });
  layer.setUser({ onRequest: () => undefined });
  const qualifier = new Qualifier({ transactions: layer, transports, directory: () => directory, clock, log, userAgent: () => "test" });
  const contact: ContactRecord = {
    id: "p;@1", aor: "p", uri: `sip:p@${PHONE}:5060`, expiresAt: clock.now() + 3600_000, endpoint: "p", userAgent: "", viaAddr: PHONE, viaPort: 5060,
    callId: "c", cseq: 1, path: "", regServer: "", sourceAddress: PHONE, sourcePort: 5060, transport: "udp", createdAt: clock.now(),
  };
  qualifier.track(contact);
  clock.advance(0);
  const options = transport.sent.at(-1)?.text ?? "";
  assert.match(options, /^OPTIONS sip:p@198\.51\.100\.7:5060 SIP\/2\.0\r\n/);
  // Echo the request's Via, From, To, Call-ID and CSeq back with the chosen status.
  const head = options.split("\r\n\r\n")[0]?.split("\r\n") ?? [];
  const copied = head.filter((l) => /^(Via|From|Call-ID|CSeq):/i.test(l));
  const to = head.find((l) => /^To:/i.test(l)) ?? "";
  const response = [`SIP/2.0 ${status} Whatever`, ...copied, `${to};tag=phone`, "Content-Length: 0", "", ""].join("\r\n");
  layer.receive(Buffer.from(response, "latin1"), transport.flow(PHONE, 5060));
  const state = qualifier.state(contact).status;
  qualifier.close();
  layer.close();
  return state;
}

test("qualify: any final answer (here 404) makes the contact Reachable by default", () => {
  assert.equal(contactState("", 404), "Reachable");
});

test("qualify: with qualify_2xx_only=yes a 404 makes it Unreachable and a 200 Reachable", () => {
  assert.equal(contactState("qualify_2xx_only=yes\n", 404), "Unreachable");
  assert.equal(contactState("qualify_2xx_only=yes\n", 200), "Reachable");
});
