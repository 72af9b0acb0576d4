/**
 * A call manager that unit tests can construct: the real CallManager, InboundCall, Dial,
 * OutboundLeg and Bridge over the session layer's fake transaction port (test/sip/session/
 * harness.ts), a fake media engine that records what it is asked, a FakeClock and an event bus.
 * The caller (1001, 192.0.2.10) dials 2000, whose static contact is 192.0.2.20:5070; 2100 has
 * two static contacts (192.0.2.21 and 192.0.2.22), for forking.
 */
import assert from "node:assert/strict";
import { buildPjsipConfig, parseConfigText, type LoadedConfig } from "../../../src/config/index.js";
import { CaptureLogger } from "../../../src/core/logger.js";
import { CapabilitySet } from "../../../src/core/module-capabilities.js";
import type { MediaEngine } from "../../../src/media/index.js";
import { createCoreAppRegistry, type AppRegistry } from "../../../src/pbx/apps/index.js";
import type { EventBus } from "../../../src/core/event-bus.js";
import type { DialplanApp } from "../../../src/pbx/apps/registry.js";
import { CallManager } from "../../../src/pbx/channel/call-manager.js";
import { ClearKeyNotices } from "../../../src/pbx/channel/clear-keys.js";
import { DeviceStates } from "../../../src/pbx/channel/device-states.js";
import { compileDialplan, DialplanExecutor } from "../../../src/pbx/dialplan/index.js";
import { EndpointDirectory } from "../../../src/pbx/endpoint/directory.js";
import { createPbxEventBus, type PbxEventName, type PbxEvents } from "../../../src/pbx/events.js";
import { createCoreFuncRegistry, type FuncRegistry } from "../../../src/pbx/funcs/index.js";
import type { RequestContext } from "../../../src/pbx/pipeline/request-context.js";
import { MemoryContactStore } from "../../../src/pbx/registrar/store/memory-contact-store.js";
import type { SipRequest, SipResponse } from "../../../src/sip/message/message.js";
import { parseMessage, serializeMessage } from "../../../src/sip/parser/index.js";
import { InviteServerTransaction } from "../../../src/sip/transaction/server-transaction.js";
import { TransportSet } from "../../../src/sip/transport/transport-set.js";
import { buildGuardConfig } from "../../../src/config/guard/load-guard.js";
import { TollFraudGate } from "../../../src/pbx/toll-fraud/toll-fraud-gate.js";
import { DtmfRelay } from "../../../src/pbx/channel/dtmf.js";
import { SHIPPED_SOUNDS, SoundLibrary } from "../../../src/pbx/sounds/sound-library.js";
import { inviteFrom, setup as sessionSetup, type InviteSpec } from "../../sip/session/harness.js";

const PJSIP = `
[transport-udp]
type=transport
protocol=udp
bind=0.0.0.0

[1001]
type=endpoint
context=default
aors=1001
allow=ulaw

[1001]
type=aor

[2000]
type=endpoint
context=default
aors=2000
allow=ulaw

[2000]
type=aor
contact=sip:2000@192.0.2.20:5070

[2100]
type=endpoint
context=default
aors=2100
allow=ulaw

[2100]
type=aor
contact=sip:2100@192.0.2.21:5070
contact=sip:2100@192.0.2.22:5070
`;

/** The methods and tags of the registrar, call layer and pipeline modules (module-capabilities.test.ts). */
export const LOADED = CapabilitySet.of([{ methods: ["REGISTER"] }, { methods: ["INVITE", "ACK", "CANCEL", "BYE", "UPDATE", "INFO", "PRACK"], optionTags: ["100rel", "timer"] }, { methods: ["OPTIONS"] }]);

/** Records what the call layer asks of the media engine; allocation always succeeds. */
export class FakeMedia {
  readonly calls: string[] = [];
  /** `setRemote` and the hold options, as `<leg> <address>:<port>` and `<leg> hold|unhold`. */
  readonly remotes: string[] = [];
  private n = 0;
  async allocate(): Promise<{ id: string; localPort: number; localRtcpPort: number }> {
    this.n++;
    return { id: `m${this.n}`, localPort: 20000 + 2 * this.n, localRtcpPort: 20001 + 2 * this.n };
  }
  setRemote(id: string, r: { address: string; port: number }): void {
    this.remotes.push(`${id} ${r.address}:${r.port}`);
  }
  setOptions(id: string, o: { onHold?: boolean }): void {
    if (o.onHold !== undefined) this.remotes.push(`${id} ${o.onHold ? "hold" : "unhold"}`);
  }
  bridge(a: string, b: string): void {
    this.calls.push(`bridge ${a} ${b}`);
  }
  unbridge(id: string): void {
    this.calls.push(`unbridge ${id}`);
  }
  release(id: string): void {
    this.calls.push(`release ${id}`);
  }
  echo(id: string): void {
    this.calls.push(`echo ${id}`);
  }
  sendDtmf(id: string, digit: string, ms: number, method: string): void {
    this.calls.push(`dtmf ${id} ${digit} ${ms} ${method}`);
  }
  /** Prompts started (`<leg> <source>`); each plays until stopPlayback() ends it. */
  readonly plays: string[] = [];
  private readonly playing = new Map<string, (r: "stopped") => void>();
  play(id: string, source: { kind: string; name?: string; path?: string }): Promise<"done" | "stopped"> {
    this.plays.push(`${id} ${source.kind}`);
    return new Promise((r) => this.playing.set(id, r));
  }
  stopPlayback(id: string): void {
    const r = this.playing.get(id);
    this.playing.delete(id);
    r?.("stopped");
  }
  on(): this {
    return this;
  }
}

/** Lets the dialplan, Dial's allocations and the sessions' promises run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * `invite` shapes the caller's INVITE (e.g. `{ body: "" }` for one without an offer); `apps` adds
 * applications to the core ones; `extend` may register more on the registries and listen on the bus.
 */
export function callSetup(dialplan = "[default]\nexten => 2000,1,Dial(PJSIP/2000,30)\n", opts: { invite?: InviteSpec; apps?: DialplanApp[]; extend?: (r: { apps: AppRegistry; funcs: FuncRegistry; bus: EventBus<PbxEvents> }) => void } = {}) {
  const env = sessionSetup();
  const cfg = buildPjsipConfig(parseConfigText(PJSIP, "pjsip.conf"));
  assert.deepEqual(cfg.diagnostics.filter((d) => d.severity === "error"), [], "test pjsip.conf has no errors");
  const directory = new EndpointDirectory(cfg);
  const transports = new TransportSet();
  transports.add(env.transport);
  const media = new FakeMedia();
  const bus = createPbxEventBus();
  const events: Array<{ name: PbxEventName; payload: PbxEvents[PbxEventName] }> = [];
  bus.onAny((name, payload) => events.push({ name, payload }));
  const log = new CaptureLogger();
  const apps = createCoreAppRegistry();
  const funcs = createCoreFuncRegistry();
  for (const a of opts.apps ?? []) apps.register(a);
  opts.extend?.({ apps, funcs, bus });
  const compiled = compileDialplan(parseConfigText(dialplan, "extensions.conf"), { isKnownApp: (n) => apps.has(n) });
  const executor = new DialplanExecutor({ dialplan: () => compiled.dialplan, log, apps, funcs, clock: env.clock });
  const config = { pjsip: cfg, rtp: { rtpstart: 10000, rtpend: 20000 }, guard: buildGuardConfig(undefined).config } as unknown as LoadedConfig;
  const manager = new CallManager({
    ctx: {
      clock: env.clock,
      log,
      transactions: env.port,
      sessions: env.layer,
      transports,
      media: media as unknown as MediaEngine,
      directory: () => directory,
      config: () => config,
      contacts: new MemoryContactStore(),
      userAgent: () => "Switchboard-test",
      events: bus,
      capabilities: LOADED,
      devices: new DeviceStates(bus),
      clearKeys: new ClearKeyNotices(),
      tollFraud: new TollFraudGate({ config: () => config, clock: env.clock }),
      dtmf: new DtmfRelay({ media: media, log }),
      sounds: new SoundLibrary({ roots: () => [SHIPPED_SOUNDS], plainDirs: () => [], log }),
    },
    executor,
    respond: () => assert.fail("the call manager answers through the session, not the pipeline edge"),
    stunAddress: () => undefined,
  });

  /** Responses our INVITE server transaction put on the wire, as the caller reads them. */
  const toCaller: SipResponse[] = [];
  const invite = inviteFrom(opts.invite);
  const tx = new InviteServerTransaction("inv-1", invite, env.flow, {
    clock: env.clock,
    timers: env.port.timers,
    serialize: serializeMessage,
    sendRaw: (buf) => {
      const r = parseMessage(buf);
      assert.ok(r.ok && r.message.kind === "response");
      toCaller.push(r.message);
    },
    remove: () => {},
  });
  const rc = {
    req: invite,
    tx,
    flow: env.flow,
    log,
    endpoint: directory.endpoint("1001"),
    authUsername: "1001",
    peer: "192.0.2.10:5060",
    callId: invite.headers.get("Call-ID") ?? "",
    fromText: invite.headers.get("From") ?? "",
    userAgent: "",
  } as RequestContext;

  /** The INVITE the call sent toward 2000, and a way to answer it as the callee. */
  const calleeInvite = () => env.port.last("INVITE");
  const names = () => events.map((e) => e.name);
  return { ...env, manager, media, bus, events, names, log, rc, tx, invite, toCaller, calleeInvite, directory };
}

export type CallEnv = ReturnType<typeof callSetup>;
export type { SipRequest };
