/**
 * Runs a call through the dialplan like Asterisk's PBX loop: start at `exten@context:priority`,
 * run one application per priority, follow Gotos, hang up when an application says so or when
 * the priorities run out (autofallthrough), then run the context's `h` extension.
 */
import { systemClock, type Clock } from "../../core/clock.js";
import { ASTERISK_SOURCE, CALLID, type Logger } from "../../core/logger.js";
import type { AppContext, AppRegistry, AppResult } from "../apps/registry.js";
import type { FuncRegistry } from "../funcs/registry.js";
import { CallState } from "./call-state.js";
import { isDetour, type DialplanChannel, type DialplanDetour } from "./channel.js";
import { canMatchMore, findExtension, findLabel, findPriority } from "./lookup.js";
import { splitArgs } from "./split-args.js";

/** The dialplan's progress lines are pbx.c's in Asterisk, word for word. */
const PBX_C = { [ASTERISK_SOURCE]: "pbx.c" };
import type { Dialplan } from "./types.js";

export type { DialplanChannel, DialplanTarget, DialplanDetour, RedirectTarget, DialResult, DialStatus } from "./channel.js";

/** Why the dialplan stopped. */
export type DialplanEndReason =
  | "app" // an application ended it (Hangup, Busy, a bridged Dial …)
  | "caller-hangup" // the caller went away
  | "fallthrough" // no next priority (autofallthrough)
  | "invalid-extension" // a Goto led to an extension that does not exist and there is no 'i'
  | "no-application" // a priority names an application that is not registered
  | "app-error" // an application threw (a bug)
  | "loop-guard"; // too many steps: most likely a Goto loop

export type DialplanOutcome =
  /** The B2BUA answers 404 and logs "Call (…) to extension '…' rejected because extension not found in context '…'." */
  | { readonly kind: "no-extension"; readonly context: string; readonly exten: string }
  | {
      readonly kind: "ended";
      readonly reason: DialplanEndReason;
      /** Where the main execution stopped (before the `h` extension ran). */
      readonly context: string;
      readonly exten: string;
      readonly priority: number;
      /** Applications executed, `h` included. */
      readonly steps: number;
    };

export interface DialplanExecutorOptions {
  /** The current dialplan; read at the start of each call, so a reload applies to new calls. */
  dialplan: () => Dialplan;
  /** Category `pbx.dialplan`: the verbose "Executing" lines go here at info. */
  log: Logger;
  apps: AppRegistry;
  funcs: FuncRegistry;
  clock?: Clock;
  /** Applications one call may run before it is taken for a loop and hung up (10,000). */
  maxSteps?: number;
}

const DEFAULT_MAX_STEPS = 10_000;

/** Runs calls through the dialplan. One executor serves every call; it holds the global variables. */
export class DialplanExecutor {
  /** `[globals]` plus whatever `Set(GLOBAL(x)=…)` added at run time. */
  readonly globals = new Map<string, string>();
  private globalsFrom: Dialplan | undefined;
  private uniqueSeq = 0;
  private readonly clock: Clock;
  private readonly maxSteps: number;

  constructor(private readonly opts: DialplanExecutorOptions) {
    this.clock = opts.clock ?? systemClock;
    this.maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  }

  /** Runs `channel` from `exten@context:priority` until the call ends; never throws for dialplan mistakes. */
  async run(channel: DialplanChannel, context: string, exten: string, priority = 1): Promise<DialplanOutcome> {
    const dialplan = this.opts.dialplan();
    this.syncGlobals(dialplan);
    const start = findExtension(dialplan, context, exten, channel.callerId.num);
    if (start === undefined || findPriority(start.extension, priority) === undefined) {
      return { kind: "no-extension", context, exten };
    }
    if (!channel.vars.has("UNIQUEID")) {
      channel.vars.set("UNIQUEID", `${Math.floor(this.clock.now() / 1000)}.${++this.uniqueSeq}`);
    }
    const log = this.opts.log.child({ channel: channel.name, [CALLID]: channel.callid });
    const state = new CallState({ channel, dialplan, globals: this.globals, funcs: this.opts.funcs, log, clock: this.clock });
    state.context = context;
    state.exten = exten;
    state.priority = priority;
    return this.runFrom(state);
  }

  /** The main loop from the state's place, the end of the call, then the context's `h` extension. */
  private async runFrom(state: CallState, stepsBefore = 0): Promise<DialplanOutcome & { kind: "ended" }> {
    const { channel, dialplan } = state.opts;
    const main = await this.loop(state, false);
    const where = { context: state.context, exten: state.exten, priority: state.priority };
    if (main.reason === "fallthrough") await this.fallthrough(state);
    await this.finish(state);

    let steps = stepsBefore + main.steps;
    // Asterisk runs the 'h' extension of the context the call was in when it ended.
    if (state.exten !== "h" && findExtension(dialplan, state.context, "h", channel.callerId.num) !== undefined) {
      state.exten = "h";
      state.priority = 1;
      steps += (await this.loop(state, true)).steps;
    }
    return { kind: "ended", reason: main.reason, ...where, steps };
  }

  /** True when `exten@context` exists with priority 1 for this caller (where a transfer may send a call). */
  hasPriorityOne(context: string, exten: string, callerNum: string): boolean {
    const match = findExtension(this.opts.dialplan(), context, exten, callerNum);
    return match !== undefined && findPriority(match.extension, 1) !== undefined;
  }

  /**
   * The priority a redirect names: a number, or a label of `exten@context` (as AMI Redirect and
   * `channel redirect` take it); undefined when it is neither.
   */
  priorityOf(context: string, exten: string, priority: string, callerNum: string): number | undefined {
    const text = priority.trim();
    if (/^\d+$/.test(text)) {
      const n = Number(text);
      return n >= 1 ? n : undefined;
    }
    if (text.length === 0) return undefined;
    const match = findExtension(this.opts.dialplan(), context, exten, callerNum);
    return match === undefined ? undefined : findLabel(match.extension, text);
  }

  /**
   * Moves the call to where a redirect sent it, if one is waiting: true when it moved to a
   * dialplan place, the detour when it was sent on one (the caller runs it).
   */
  private takeRedirect(state: CallState): boolean | DialplanDetour {
    const target = state.channel.takeRedirect?.();
    if (target === undefined) return false;
    if (isDetour(target)) {
      const log = state.opts.log;
      if (log.wants("verbose", 3)) log.verbose(3, {}, `${state.channel.name}: leaves the dialplan (${target.label})`);
      return target;
    }
    state.context = target.context;
    state.exten = target.exten;
    state.priority = target.priority;
    return true;
  }

  /**
   * Runs one application on `channel` outside any extension (an originated call's
   * `Application`/`Data`), then hangs it up as the end of a dialplan does.
   */
  async runApplication(channel: DialplanChannel, appName: string, data: string): Promise<"ok" | "no-application"> {
    const dialplan = this.opts.dialplan();
    this.syncGlobals(dialplan);
    const app = this.opts.apps.get(appName);
    const log = this.opts.log.child({ channel: channel.name, [CALLID]: channel.callid });
    if (app === undefined) {
      log.warn({}, `No application '${appName}' to originate ${channel.name} into`);
      await channel.hangup(16);
      return "no-application";
    }
    const state = new CallState({ channel, dialplan, globals: this.globals, funcs: this.opts.funcs, log, clock: this.clock });
    state.context = "";
    state.exten = "";
    state.priority = 1;
    channel.setLocation?.({ context: "", exten: "", priority: 1, app: app.name, data });
    try {
      await app.execute(this.appContext(state, data, state.substitute(data)));
    } catch (err) {
      log.error({ err, app: app.name }, `Application ${app.name} failed on ${channel.name}; hanging up`);
    }
    // Redirected out of its application, the channel goes on in the dialplan like any other.
    await this.afterApplication(state);
    return "ok";
  }

  /**
   * Runs a channel that only has a redirect waiting (a transferred callee that was no channel of
   * the dialplan): the detour or dialplan place it names, then the end of the call.
   */
  async runRedirected(channel: DialplanChannel): Promise<void> {
    const dialplan = this.opts.dialplan();
    this.syncGlobals(dialplan);
    const log = this.opts.log.child({ channel: channel.name, [CALLID]: channel.callid });
    const state = new CallState({ channel, dialplan, globals: this.globals, funcs: this.opts.funcs, log, clock: this.clock });
    state.context = "";
    state.exten = "";
    state.priority = 1;
    await this.afterApplication(state);
  }

  /** After an application outside any extension: a redirect taken (a place, or a detour and what follows it), else the end. */
  private async afterApplication(state: CallState): Promise<void> {
    const { channel } = state.opts;
    for (;;) {
      const taken = channel.hungUp() ? false : this.takeRedirect(state);
      if (taken === true) {
        await this.runFrom(state, 1);
        return;
      }
      if (taken === false) break;
      await taken.run();
      if (channel.hungUp() || channel.redirectPending?.() !== true) break;
    }
    await this.finish(state);
  }

  private syncGlobals(dialplan: Dialplan): void {
    if (this.globalsFrom === dialplan) return;
    if (this.globalsFrom !== undefined && dialplan.general.clearglobalvars) this.globals.clear();
    for (const [k, v] of dialplan.globals) this.globals.set(k, v);
    this.globalsFrom = dialplan;
  }

  /** Runs priorities until one ends the call; in `h` a hung-up caller does not stop it. */
  private async loop(state: CallState, inH: boolean): Promise<{ reason: DialplanEndReason; steps: number }> {
    const { channel, dialplan, log } = state.opts;
    let steps = 0;
    for (;;) {
      if (!inH && channel.hungUp()) return { reason: "caller-hangup", steps };
      if (!inH) {
        const taken = this.takeRedirect(state);
        if (taken !== true && taken !== false) {
          await taken.run();
          // Sent on again (a second transfer): where the new redirect says; else the call is over.
          if (!channel.hungUp() && channel.redirectPending?.() === true) continue;
          return { reason: "app", steps };
        }
      }
      if (steps >= this.maxSteps) {
        log.warn({ context: state.context, exten: state.exten, priority: state.priority }, `Channel '${channel.name}' ran ${this.maxSteps} dialplan steps without ending; hanging up (is there a Goto loop at ${state.exten}@${state.context}?)`);
        return { reason: "loop-guard", steps };
      }
      const match = findExtension(dialplan, state.context, state.exten, channel.callerId.num);
      if (match === undefined) {
        if (!inH && state.exten !== "i" && findExtension(dialplan, state.context, "i", channel.callerId.num) !== undefined) {
          if (log.wants("verbose", 2)) log.verbose(2, PBX_C, `Sent into invalid extension '${state.exten}' in context '${state.context}' on ${channel.name}`);
          channel.vars.set("INVALID_EXTEN", state.exten);
          state.exten = "i";
          state.priority = 1;
          continue;
        }
        log.warn(PBX_C, `Channel '${channel.name}' sent to invalid extension but no invalid handler: context,exten,priority=${state.context},${state.exten},${state.priority}`);
        return { reason: "invalid-extension", steps };
      }
      const pri = findPriority(match.extension, state.priority);
      if (pri === undefined) return { reason: "fallthrough", steps };
      steps++;

      const app = this.opts.apps.get(pri.app);
      const data = state.substitute(pri.appData);
      if (log.wants("verbose", 3)) log.verbose(3, PBX_C, `Executing [${state.exten}@${state.context}:${state.priority}] ${app?.name ?? pri.app}("${channel.name}", "${data}") in new stack`);
      if (app === undefined) {
        log.warn({ file: pri.file, line: pri.line }, `No application '${pri.app}' for extension (${state.context}, ${state.exten}, ${state.priority})`);
        return { reason: "no-application", steps };
      }
      channel.setLocation?.({ context: state.context, exten: state.exten, priority: state.priority, app: app.name, data });
      state.jumped = false;
      let result: AppResult;
      try {
        result = await app.execute(this.appContext(state, pri.appData, data));
      } catch (err) {
        log.error({ err, app: app.name }, `Application ${app.name} failed at ${state.exten}@${state.context}:${state.priority}; hanging up`);
        return { reason: "app-error", steps };
      }
      // A redirect cut the application short: whatever it returned, the call goes where it was sent.
      if (!inH && channel.redirectPending?.() === true && !channel.hungUp()) continue;
      if (result === "hangup") {
        if (log.wants("verbose", 2)) log.verbose(2, PBX_C, `Spawn extension (${state.context}, ${state.exten}, ${state.priority}) exited non-zero on '${channel.name}'`);
        return { reason: "app", steps };
      }
      if (!state.jumped) state.priority++;
    }
  }

  private appContext(state: CallState, rawData: string, data: string): AppContext {
    let args: string[] | undefined;
    return {
      channel: state.channel,
      log: state.opts.log,
      context: state.context,
      exten: state.exten,
      priority: state.priority,
      get args(): string[] {
        args ??= splitArgs(rawData).map((a) => state.substitute(a));
        return args;
      },
      data,
      rawData,
      substitute: (text) => state.substitute(text),
      getVar: (name) => state.getVar(name),
      setVar: (name, value) => state.setVar(name, value),
      goto: (target) => state.goto(target),
      extensionState: (exten, context = state.context) => ({
        exists: findExtension(state.opts.dialplan, context, exten, state.channel.callerId.num) !== undefined,
        more: canMatchMore(state.opts.dialplan, context, exten, state.channel.callerId.num),
      }),
      hangup: async (cause = 16) => {
        state.endedWithCause = cause;
        state.hangupSent = true;
        state.channel.vars.set("HANGUPCAUSE", String(cause));
        await state.channel.hangup(cause);
      },
      markEnded: (cause) => {
        state.endedWithCause = cause;
        state.channel.vars.set("HANGUPCAUSE", String(cause));
      },
    };
  }

  /** Out of priorities: signal busy/congestion when the last Dial said so, as Asterisk does. */
  private async fallthrough(state: CallState): Promise<void> {
    const { channel, log } = state.opts;
    const status = channel.vars.get("DIALSTATUS") ?? "";
    if (log.wants("verbose", 2)) log.verbose(2, PBX_C, `Auto fallthrough, channel '${channel.name}' status is '${status.length > 0 ? status : "UNKNOWN"}'`);
    if (!state.opts.dialplan.general.autofallthrough || channel.hungUp()) return;
    try {
      if (status === "BUSY") {
        await channel.busy(10);
        state.endedWithCause = 17;
      } else if (status === "CONGESTION" || status === "CHANUNAVAIL") {
        await channel.congestion(10);
        state.endedWithCause = 34;
      }
    } catch (err) {
      log.error({ err }, "signalling busy/congestion at the end of the dialplan failed");
    }
  }

  /** Makes sure the call is hung up once the dialplan is done with it. */
  private async finish(state: CallState): Promise<void> {
    const { channel, log } = state.opts;
    const cause = state.endedWithCause ?? 16;
    if (!channel.vars.has("HANGUPCAUSE")) channel.vars.set("HANGUPCAUSE", String(cause));
    if (channel.hungUp() || state.hangupSent) return;
    try {
      await channel.hangup(cause);
    } catch (err) {
      log.error({ err }, "hanging up at the end of the dialplan failed");
    }
  }
}
