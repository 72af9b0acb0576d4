/**
 * ContactStatus events (Asterisk's AMI event): Created, Updated and Removed from the registrar,
 * Reachable/Unreachable from the qualifier, with the AMI field names. Driven by real REGISTERs
 * through the request pipeline (test/pbx/harness.ts) and a qualify answered over the fake
 * transport; then the registrar module's own wiring onto the event bus.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry } from "../../../src/cli/registry.js";
import type { LoadedConfig } from "../../../src/config/index.js";
import { ModuleHost } from "../../../src/core/module-host.js";
import type { PbxModule } from "../../../src/core/module.js";
import { AppRegistry } from "../../../src/pbx/apps/index.js";
import { createPbxEventBus, type PbxEvents } from "../../../src/pbx/events.js";
import { FuncRegistry } from "../../../src/pbx/funcs/index.js";
import { pbxModuleContext, type PbxModuleContext } from "../../../src/pbx/module-context.js";
import { publishContactStatus } from "../../../src/pbx/registrar/contact-status.js";
import type { ContactsModule } from "../../../src/pbx/registrar/contacts-module.js";
import { Qualifier } from "../../../src/pbx/registrar/qualify.js";
import { RegistrarModule } from "../../../src/pbx/registrar/registrar-module.js";
import type { ContactRecord } from "../../../src/pbx/registrar/store/contact-store.js";
import type { SipStackModule } from "../../../src/sip/sip-stack-module.js";
import { TransportSet } from "../../../src/sip/transport/transport-set.js";
import { BASE_CONF, Phone, buildPbx, type Pbx } from "../harness.js";

const QUALIFIED_CONF = BASE_CONF.replace("max_contacts=1", "max_contacts=1\nqualify_frequency=60");
const PHONE_IP = "198.51.100.20";

function qualifierFor(pbx: Pbx): Qualifier {
  const transports = new TransportSet();
  transports.add(pbx.transport);
  const qualifier = new Qualifier({ transactions: pbx.layer, transports, directory: () => pbx.directory, clock: pbx.clock, log: pbx.log, userAgent: () => "test" });
  // As the registrar module wires them.
  pbx.registrar.on("added", (c) => qualifier.track(c));
  pbx.registrar.on("updated", (c) => qualifier.track(c));
  pbx.registrar.on("removed", (c) => qualifier.untrack(c.id));
  return qualifier;
}

/** Answers the last OPTIONS the PBX sent with `status`, echoing its Via, From, To, Call-ID, CSeq. */
function answerQualify(pbx: Pbx, status: number): void {
  const options = pbx.transport.sent.at(-1)?.text ?? "";
  assert.match(options, /^OPTIONS sip:6001@198\.51\.100\.20:5060 SIP\/2\.0\r\n/);
  const head = options.split("\r\n\r\n")[0]?.split("\r\n") ?? [];
  const copied = head.filter((l) => /^(Via|From|Call-ID|CSeq):/i.test(l));
  const to = head.find((l) => /^To:/i.test(l)) ?? "";
  const response = [`SIP/2.0 ${status} OK`, ...copied, `${to};tag=phone`, "Content-Length: 0", "", ""].join("\r\n");
  pbx.layer.receive(Buffer.from(response, "latin1"), pbx.transport.flow(PHONE_IP, 5060));
}

test("ContactStatus: Created on REGISTER, Reachable with RoundtripUsec after a qualify, Updated on refresh, Removed on unregister", () => {
  const pbx = buildPbx({ conf: QUALIFIED_CONF });
  const qualifier = qualifierFor(pbx);
  const bus = createPbxEventBus();
  const seen: Array<PbxEvents["ContactStatus"]> = [];
  bus.on("ContactStatus", (e) => seen.push(e));
  publishContactStatus({ registrar: pbx.registrar, qualifier, events: bus });
  const phone = new Phone(pbx, { user: "6001", password: "secret6001" });

  assert.equal(phone.registerWithAuth({ expires: 600 }).status, 200);
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0], {
    URI: "sip:6001@198.51.100.20:5060",
    ContactStatus: "Created",
    AOR: "6001",
    EndpointName: "6001",
    RoundtripUsec: 0,
    UserAgent: "TestPhone/1.0",
    RegExpire: Math.floor((pbx.clock.now() + 600_000) / 1000),
    ViaAddress: "198.51.100.20:5060",
    CallID: phone.callId,
  });

  pbx.clock.advance(0);
  answerQualify(pbx, 200);
  assert.equal(seen.length, 2);
  assert.equal(seen[1]?.ContactStatus, "Reachable");
  assert.ok((seen[1]?.RoundtripUsec ?? 0) > 0, `a measured round trip (${seen[1]?.RoundtripUsec})`);

  assert.equal(phone.registerWithAuth({ expires: 600 }).status, 200);
  assert.equal(seen[2]?.ContactStatus, "Updated");
  assert.equal(phone.registerWithAuth({ expires: 0 }).status, 200);
  assert.equal(seen[3]?.ContactStatus, "Removed");
  assert.equal(seen.length, 4);
  qualifier.close();
});

test("ContactStatus: a qualify without answer makes the contact Unreachable", () => {
  const pbx = buildPbx({ conf: QUALIFIED_CONF });
  const qualifier = qualifierFor(pbx);
  const bus = createPbxEventBus();
  const statuses: string[] = [];
  bus.on("ContactStatus", (e) => statuses.push(e.ContactStatus));
  publishContactStatus({ registrar: pbx.registrar, qualifier, events: bus });
  assert.equal(new Phone(pbx, { user: "6001", password: "secret6001" }).registerWithAuth().status, 200);
  pbx.clock.advance(0);
  // qualify_timeout defaults to 3 s; timer F (32 s) is later, so the qualify timeout decides.
  pbx.clock.advance(3_000);
  assert.deepEqual(statuses, ["Created", "Unreachable"]);
  qualifier.close();
});

test("registrar module: its registrar's bindings reach the bus as ContactStatus, and stop after the module stops", async () => {
  const pbx = buildPbx({ conf: QUALIFIED_CONF });
  const transports = new TransportSet();
  transports.add(pbx.transport);
  // Stand-ins for the modules it depends on: only what the registrar module reads of them.
  const contacts = { name: "contacts", store: pbx.store } as unknown as ContactsModule;
  const sip = { name: "sip", transactions: pbx.layer, transports, onConnectionClosed: () => () => {} } as unknown as SipStackModule;
  const stub = (name: string): PbxModule<PbxModuleContext> => ({ name, start: () => {} });
  const module = new RegistrarModule({ contacts, sip });
  const bus = createPbxEventBus();
  const seen: string[] = [];
  bus.on("ContactStatus", (e) => seen.push(`${e.ContactStatus} ${e.AOR}`));
  const cfg = { pjsip: pbx.cfg } as unknown as LoadedConfig;
  const host = new ModuleHost<PbxModuleContext>({
    modules: [stub("contacts"), stub("sip"), module],
    log: pbx.log,
    clock: pbx.clock,
    commands: new CommandRegistry(),
    dataDir: "/nonexistent",
    configDir: undefined,
    extend: pbxModuleContext({ config: () => cfg, directory: () => pbx.directory, userAgent: () => "test", events: bus, apps: new AppRegistry(), funcs: new FuncRegistry() }),
  });
  await host.start();
  assert.deepEqual(host.capabilities.allow(), "REGISTER", "the registrar module declares REGISTER");
  const record: ContactRecord = {
    id: "6001;@x", aor: "6001", uri: `sip:6001@${PHONE_IP}:5060`, expiresAt: pbx.clock.now() + 60_000, endpoint: "6001", userAgent: "", viaAddr: PHONE_IP, viaPort: 5060,
    callId: "c", cseq: 1, path: "", regServer: "", sourceAddress: PHONE_IP, sourcePort: 5060, transport: "udp", createdAt: pbx.clock.now(),
  };
  module.registrar.emit("added", record);
  assert.deepEqual(seen, ["Created 6001"]);
  await host.stop();
  module.registrar.emit("added", record);
  assert.deepEqual(seen, ["Created 6001"], "no event after the module stopped");
});
