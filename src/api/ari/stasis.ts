/**
 * `Stasis(app[,args…])` (app_stasis): hands the channel to a connected ARI application. The
 * application gets StasisStart (with the arguments and the channel) and may then answer, play,
 * hang up or send the channel back to the dialplan (`continue`); DTMF the caller sends arrives as
 * ChannelDtmfReceived (from the bus). Keys pressed in Stasis are not left for the dialplan after it. The channel leaves with StasisEnd — before its ChannelDestroyed when it
 * hangs up, as in Asterisk. `${STASISSTATUS}` is SUCCESS when the channel left Stasis, FAILED when
 * the application was not registered (the dialplan then goes on).
 */
import type { AppContext, DialplanApp } from "../../pbx/apps/index.js";
import type { DialplanChannel } from "../../pbx/dialplan/channel.js";
import type { Logger } from "../../core/logger.js";
import type { AriApplications } from "./ari-applications.js";
import type { AriChannel } from "./ari-objects.js";

/** Where `continue` sends the channel; empty parts keep the current ones. */
export interface ContinueTarget {
  readonly context?: string;
  readonly exten?: string;
  readonly priority?: string;
}

/** A channel in Stasis, as the REST handlers control it. */
export interface StasisChannel {
  readonly id: string;
  readonly app: string;
  readonly channel: DialplanChannel;
  /** Sends the channel back to the dialplan. */
  continueTo(target: ContinueTarget): void;
  ended: boolean;
}

export interface StasisDeps {
  readonly apps: AriApplications;
  /** The channel's ARI object, as events carry it. */
  readonly channelJson: (id: string) => AriChannel | undefined;
  readonly log: Logger;
  /** Told as a channel leaves Stasis, before its StasisEnd (it leaves its bridge then). */
  readonly leaving?: (id: string) => void;
}

/** How long one wait for a key lasts before the loop checks again whether to leave. */
const DIGIT_POLL_MS = 500;

/** The dialplan application that hands a channel to an ARI application. */
export const STASIS_APP_NAME = "Stasis";

export class StasisControl {
  private readonly inStasis = new Map<string, StasisChannel>();

  constructor(private readonly d: StasisDeps) {}

  get(id: string): StasisChannel | undefined {
    return this.inStasis.get(id);
  }

  /** The channel hung up: StasisEnd now, so it precedes the ChannelDestroyed being sent. */
  hangingUp(id: string): void {
    const s = this.inStasis.get(id);
    if (s !== undefined) this.end(s);
  }

  private end(s: StasisChannel): void {
    if (s.ended) return;
    s.ended = true;
    this.d.leaving?.(s.id);
    const channel = this.d.channelJson(s.id);
    if (channel !== undefined) this.d.apps.sendTo(s.app, { type: "StasisEnd", channel });
  }

  app(): DialplanApp {
    return {
      name: STASIS_APP_NAME,
      synopsis: "Invoke an external Stasis application.",
      syntax: "Stasis(app_name[,args])",
      execute: (ctx) => this.run(ctx),
    };
  }

  private async run(ctx: AppContext): Promise<"continue" | "hangup"> {
    const [name = "", ...args] = ctx.args;
    const ch = ctx.channel;
    const id = ch.vars.get("UNIQUEID") ?? "";
    const app = this.d.apps.get(name);
    const channel = this.d.channelJson(id);
    if (name === "" || app === undefined || channel === undefined) {
      ctx.log.warn({}, `Stasis app '${name}' not registered`);
      ctx.setVar("STASISSTATUS", "FAILED");
      return "continue";
    }
    let leave: (t: ContinueTarget) => void = () => {};
    const left = new Promise<ContinueTarget>((r) => (leave = r));
    const s: StasisChannel = { id, app: name, channel: ch, continueTo: (t) => leave(t), ended: false };
    this.inStasis.set(id, s);
    app.channelIds.add(id);
    this.d.apps.sendTo(name, { type: "StasisStart", args, channel });
    let target: ContinueTarget | undefined;
    try {
      while (!ch.hungUp() && target === undefined) {
        const r = await Promise.race([left.then((t) => ({ t })), ch.readDigit === undefined ? new Promise<{ d: undefined }>((res) => setTimeout(() => res({ d: undefined }), DIGIT_POLL_MS)) : ch.readDigit(DIGIT_POLL_MS).then((d) => ({ d }))]);
        if ("t" in r) target = r.t;
        // Keys are read only so that they do not pile up for the dialplan: the application
        // hears of each one as ChannelDtmfReceived, from the call layer's DTMFEnd.
      }
    } finally {
      this.end(s);
      this.inStasis.delete(id);
      this.d.apps.get(name)?.channelIds.delete(id);
    }
    ctx.setVar("STASISSTATUS", "SUCCESS");
    if (ch.hungUp()) return "hangup";
    if (target !== undefined && (target.context || target.exten || target.priority)) {
      return ctx.goto([target.context || ctx.context, target.exten || ctx.exten, target.priority || "1"]) ? "continue" : "hangup";
    }
    return "continue";
  }
}
