/**
 * Originating a call (AMI Originate, `channel originate`): the PBX calls a device as Dial()
 * would (the same dial string, transport, codecs and RTP), and once it answers hands the
 * channel to the dialplan at context/exten/priority or to one application. The outcome is what
 * AMI's OriginateResponse reports; the call then lives on as any other.
 */
import type { DialplanExecutor } from "../dialplan/executor.js";
import type { CallContext } from "./call-context.js";
import { createLeg, type DialHooks } from "./dial-attempt.js";
import { dial } from "./dial.js";
import { resolveDialTargets } from "./dial-targets.js";
import { dialStatusForResponse } from "./hangup-cause.js";
import { OriginatedCall, type OriginateOutcome } from "./originated-call.js";

export type { OriginateOutcome };

export interface OriginateRequest {
  /** A dial string as Dial() takes it: `PJSIP/1001`, `PJSIP/1001@trunk`, `PJSIP/trunk/sip:…`. */
  channel: string;
  /** How long the device may ring (AMI Timeout, default 30000 ms). */
  timeoutMs: number;
  /** The caller ID the device is shown, and the channel's own for the dialplan. */
  callerId?: { num: string; name: string };
  variables?: Record<string, string>;
  account?: string;
  /** The Uniqueid to give the channel (AMI ChannelId). */
  channelId?: string;
  then: { kind: "exten"; context: string; exten: string; priority: number } | { kind: "app"; app: string; data: string };
  /** Told as soon as the channel exists, before it rings. */
  onChannel?: (name: string, uniqueid: string) => void;
}

export interface OriginateResult {
  outcome: OriginateOutcome;
  channel?: string;
  uniqueid?: string;
}

export interface OriginateDeps {
  ctx: CallContext;
  hooks: DialHooks;
  executor: DialplanExecutor;
  /** The table of live originated calls (listing, hangup by name). */
  calls: Set<OriginatedCall>;
}

let sequence = 0;

export async function originate(d: OriginateDeps, req: OriginateRequest): Promise<OriginateResult> {
  const { ctx, hooks } = d;
  const log = ctx.log;
  const target = resolveDialTargets(ctx, log, [req.channel])[0];
  if (target === undefined) {
    log.notice({}, `Originate to ${req.channel} failed: no such endpoint, or it has no reachable contact`);
    return { outcome: "failed" };
  }
  const made = await createLeg(ctx, hooks, target, {
    log,
    group: `originate-${++sequence}`,
    ...(req.channelId !== undefined ? { uniqueId: req.channelId } : {}),
    ...(req.account !== undefined ? { accountCode: req.account } : {}),
    callerId: req.callerId ?? { num: "", name: "" },
    codecs: undefined,
    telephoneEvent: undefined,
    stillWanted: () => true,
  });
  if (!("leg" in made)) return { outcome: made.status === 503 ? "congestion" : "failed" };
  const leg = made.leg;
  for (const [k, v] of Object.entries(req.variables ?? {})) leg.channel.vars.set(k, v);
  if (req.callerId !== undefined) leg.channel.callerId = { num: req.callerId.num, name: req.callerId.name };
  const call: OriginatedCall = new OriginatedCall({
    ctx,
    leg,
    log: log.child({ channel: leg.name }),
    dial: (c, targets, timeoutSec, options) => dial(ctx, hooks, c, targets, timeoutSec, options),
    onEnd: () => {
      d.calls.delete(call);
      ctx.media.release(leg.mediaLegId);
      hooks.untrack(leg);
    },
  });
  d.calls.add(call);
  hooks.track(leg, call);
  ctx.dtmf.attach(call, () => call.peer);
  req.onChannel?.(leg.name, leg.uniqueId);

  const outcome = await new Promise<OriginateOutcome>((resolve) => {
    const timer = ctx.clock.setTimeout(() => {
      leg.cancel();
      resolve("no-answer");
    }, Math.max(1000, req.timeoutMs));
    const done = (o: OriginateOutcome): void => {
      timer.cancel();
      resolve(o);
    };
    leg.on("progress", (sdp) => void leg.media.takeAnswer(sdp));
    leg.on("answered", (sdp) => {
      const usable = sdp !== undefined ? leg.media.takeAnswer(sdp).ok : leg.media.state === "active";
      if (!usable) {
        log.notice({ endpoint: leg.endpoint.id }, `${leg.name} answered the originated call without a usable SDP answer (${leg.media.answerProblem ?? "none came"}); hanging it up`);
        leg.hangup();
        done("failed");
        return;
      }
      done("answered");
    });
    leg.on("failed", (status) => {
      const s = dialStatusForResponse(status);
      done(s === "BUSY" ? "busy" : s === "NOANSWER" ? "no-answer" : s === "CONGESTION" ? "congestion" : "failed");
    });
    leg.start();
  });
  if (outcome !== "answered") {
    await call.hangup(16);
    return { outcome, channel: leg.name, uniqueid: leg.uniqueId };
  }
  if (log.wants("verbose", 3)) log.verbose(3, {}, `${leg.name}: originated call answered; ${req.then.kind === "exten" ? `dialplan at ${req.then.exten}@${req.then.context}:${req.then.priority}` : `application ${req.then.app}(${req.then.data})`}`);
  void runOriginated(d, call, req);
  return { outcome, channel: leg.name, uniqueid: leg.uniqueId };
}

async function runOriginated(d: OriginateDeps, call: OriginatedCall, req: OriginateRequest): Promise<void> {
  try {
    if (req.then.kind === "app") await d.executor.runApplication(call, req.then.app, req.then.data);
    else {
      const r = await d.executor.run(call, req.then.context, req.then.exten, req.then.priority);
      if (r.kind === "no-extension") call.log.warn({}, `${call.name}: originated into ${req.then.exten}@${req.then.context}:${req.then.priority}, which does not exist; hanging up`);
    }
  } catch (err) {
    call.log.error({ err: err instanceof Error ? (err.stack ?? err.message) : String(err) }, `${call.name}: dialplan of the originated call failed`);
  }
  if (!call.hungUp()) await call.hangup(16);
  call.leg.channel.release();
}
