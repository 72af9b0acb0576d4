/**
 * The registrar module and WebSocket contacts (RFC 7118): a contact registered over a WebSocket
 * is reachable only through that connection, so it is removed ("due to shutdown") when the
 * connection closes — only the one whose source matches — and WebSocket contacts stored before
 * a restart are dropped at start. UDP contacts are not touched.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CommandRegistry } from "../../../src/cli/registry.js";
import type { LoadedConfig } from "../../../src/config/index.js";
import { ModuleHost } from "../../../src/core/module-host.js";
import type { PbxModule } from "../../../src/core/module.js";
import { AppRegistry } from "../../../src/pbx/apps/index.js";
import { createPbxEventBus } from "../../../src/pbx/events.js";
import { FuncRegistry } from "../../../src/pbx/funcs/index.js";
import { pbxModuleContext, type PbxModuleContext } from "../../../src/pbx/module-context.js";
import type { ContactsModule } from "../../../src/pbx/registrar/contacts-module.js";
import { RegistrarModule } from "../../../src/pbx/registrar/registrar-module.js";
import type { ContactRecord } from "../../../src/pbx/registrar/store/contact-store.js";
import type { SipStackModule } from "../../../src/sip/sip-stack-module.js";
import { TransportSet } from "../../../src/sip/transport/transport-set.js";
import type { Flow, Transport } from "../../../src/sip/transport/types.js";
import { BASE_CONF, buildPbx } from "../harness.js";

function contact(id: string, transport: string, sourcePort: number, now: number): ContactRecord {
  return {
    id, aor: "6001", uri: `sip:${id}@127.0.0.1:${sourcePort};transport=${transport}`, expiresAt: now + 60_000, endpoint: "6001", userAgent: "", viaAddr: "x.invalid", viaPort: 5060,
    callId: id, cseq: 1, path: "", regServer: "", sourceAddress: "127.0.0.1", sourcePort, transport, createdAt: now,
  };
}

test("registrar module: a WebSocket closing removes the contacts registered over it; stored WebSocket contacts are dropped at start", async () => {
  const pbx = buildPbx({ conf: BASE_CONF });
  const now = pbx.clock.now();
  pbx.store.upsert(contact("stale-ws", "wss", 41000, now));
  pbx.store.upsert(contact("udp", "udp", 5060, now));
  const transports = new TransportSet();
  transports.add(pbx.transport);
  let closed: ((flow: Flow) => void) | undefined;
  const contacts = { name: "contacts", store: pbx.store } as unknown as ContactsModule;
  const sip = { name: "sip", transactions: pbx.layer, transports, onConnectionClosed: (l: (flow: Flow) => void) => ((closed = l), () => (closed = undefined)) } as unknown as SipStackModule;
  const stub = (name: string): PbxModule<PbxModuleContext> => ({ name, start: () => {} });
  const module = new RegistrarModule({ contacts, sip });
  const bus = createPbxEventBus();
  const removed: string[] = [];
  bus.on("ContactStatus", (e) => {
    if (e.ContactStatus === "Removed") removed.push(e.URI);
  });
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
  assert.deepEqual(pbx.store.list().map((c) => c.id).sort(), ["udp"], "the WebSocket contact from before the start is gone");

  pbx.store.upsert(contact("ws-a", "wss", 42000, now));
  pbx.store.upsert(contact("ws-b", "wss", 42001, now));
  assert.ok(closed, "the registrar listens for closed connections");
  const wss = { protocol: "wss" } as Transport;
  closed({ transport: wss, remoteAddress: "127.0.0.1", remotePort: 42000, connectionId: "transport-wss#1" });
  assert.deepEqual(pbx.store.list().map((c) => c.id).sort(), ["udp", "ws-b"], "only the contact of the closed connection");
  closed({ transport: { protocol: "ws" } as Transport, remoteAddress: "127.0.0.1", remotePort: 42001 });
  assert.deepEqual(pbx.store.list().map((c) => c.id).sort(), ["udp", "ws-b"], "a ws connection with the same source is another flow than wss");
  assert.ok(pbx.log.find("due to shutdown"), "logged as Asterisk does");
  assert.equal(removed.length, 2, `ContactStatus Removed for the stale and the closed contact: ${removed.join(", ")}`);
  await host.stop();
  assert.equal(closed, undefined, "unsubscribed when the module stops");
});
