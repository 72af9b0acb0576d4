/**
 * What a PBX module gets when it starts: the core context (core/module.ts) plus the running
 * configuration, the endpoint directory, the event bus (scoped: only declared events, listeners
 * removed at stop), and the dialplan's application and function registries (scoped too).
 *
 * Lower-layer modules (sip/sip-stack-module.ts, security/guard-module.ts) ask for less; this
 * context is a superset of theirs, so one host runs them all.
 */
import { scopedEventPort, type EventPort } from "../core/event-bus.js";
import type { ModuleContext, PbxModule, Registrar } from "../core/module.js";
import type { LoadedConfig } from "../config/index.js";
import type { SipResponse } from "../sip/message/message.js";
import type { AppRegistry, DialplanApp } from "./apps/index.js";
import type { EndpointDirectory } from "./endpoint/directory.js";
import type { PbxEvents } from "./events.js";
import type { DialplanFunction, FuncRegistry } from "./funcs/index.js";
import type { RequestContext } from "./pipeline/request-context.js";

export interface PbxModuleContext extends ModuleContext {
  // The accessors are function-typed properties, not methods: modules pass them on unbound.
  /** The running configuration; after `core reload` the new one. */
  readonly config: () => LoadedConfig;
  /** Endpoints, AORs, auths and identifies of the running configuration, indexed. */
  readonly directory: () => EndpointDirectory;
  /** `User-Agent`/`Server` value: pjsip.conf `user_agent`, else `Switchboard <version>`. */
  readonly userAgent: () => string;
  /** The event bus as this module may use it. */
  readonly events: EventPort<PbxEvents>;
  /** Registers dialplan applications (`Dial`, `Echo` …) for this module's lifetime. */
  readonly apps: Registrar<DialplanApp>;
  /** Registers dialplan functions (`CALLERID` …) for this module's lifetime. */
  readonly funcs: Registrar<DialplanFunction>;
  /** The registries themselves, for the module that runs the dialplan. */
  readonly dialplan: { readonly apps: AppRegistry; readonly funcs: FuncRegistry };
  /** Sends a response through the request's server transaction, with our Server header. */
  readonly respond: (ctx: RequestContext, res: SipResponse) => void;
}

export type SwitchboardModule = PbxModule<PbxModuleContext>;

/** The shared services behind every module's context. */
export interface PbxServices {
  config: () => LoadedConfig;
  directory: () => EndpointDirectory;
  userAgent: () => string;
  events: EventPort<PbxEvents>;
  apps: AppRegistry;
  funcs: FuncRegistry;
}

/** Adds our Server header (RFC 3261 §20.35) unless the response already has one. */
export function serverHeaderFor(userAgent: () => string): (res: SipResponse) => void {
  return (res) => {
    if (!res.headers.has("Server")) res.headers.append("Server", userAgent());
  };
}

/** The `extend` function for the module host: a PBX context per module. */
export function pbxModuleContext(s: PbxServices): (base: ModuleContext, module: SwitchboardModule) => PbxModuleContext {
  const decorate = serverHeaderFor(s.userAgent);
  return (base, module) => ({
    ...base,
    config: s.config,
    directory: s.directory,
    userAgent: s.userAgent,
    events: scopedEventPort(s.events, { owner: module.name, emits: module.emits ?? [], defer: (undo) => base.defer(undo) }),
    apps: base.adopt("application", s.apps, (a) => a.name),
    funcs: base.adopt("function", s.funcs, (f) => f.name),
    dialplan: { apps: s.apps, funcs: s.funcs },
    respond: (ctx, res) => {
      decorate(res);
      ctx.tx.respond(res);
    },
  });
}
