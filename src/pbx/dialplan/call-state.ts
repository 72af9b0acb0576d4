/**
 * Where a call is in the dialplan and what it can read: built-in variables, channel variables,
 * globals and functions. The executor moves it; applications read and write through it.
 */
import type { Clock } from "../../core/clock.js";
import type { Logger } from "../../core/logger.js";
import type { FuncContext, FuncRegistry } from "../funcs/registry.js";
import type { DialplanChannel } from "./channel.js";
import { findExtension, findLabel } from "./lookup.js";
import { substitute, type SubstitutionScope } from "./substitute.js";
import type { Dialplan } from "./types.js";

export interface CallStateOptions {
  readonly channel: DialplanChannel;
  readonly dialplan: Dialplan;
  readonly globals: Map<string, string>;
  readonly funcs: FuncRegistry;
  readonly log: Logger;
  readonly clock: Clock;
}

/** The position and variables of one call running through the dialplan. */
export class CallState implements SubstitutionScope {
  context = "";
  exten = "";
  priority = 1;
  /** Set by a Goto so the executor does not step to the next priority. */
  jumped = false;
  /** Set once the call was ended by the dialplan (Hangup, Busy …), with the cause used. */
  endedWithCause: number | undefined;
  /** True once `channel.hangup()` was called for this call (by Hangup()). */
  hangupSent = false;
  private readonly funcCtx: FuncContext;

  constructor(readonly opts: CallStateOptions) {
    this.funcCtx = { channel: opts.channel, globals: opts.globals, log: opts.log };
  }

  get channel(): DialplanChannel {
    return this.opts.channel;
  }

  getVar(name: string): string | undefined {
    switch (name) {
      case "EXTEN":
        return this.exten;
      case "CONTEXT":
        return this.context;
      case "PRIORITY":
        return String(this.priority);
      case "CHANNEL":
        return this.channel.name;
      case "EPOCH":
        return String(Math.floor(this.opts.clock.now() / 1000));
      default:
        return this.channel.vars.get(name) ?? this.opts.globals.get(name);
    }
  }

  readFunc(name: string, args: string): string {
    const fn = this.opts.funcs.get(name);
    if (fn?.read === undefined) {
      this.warn(fn === undefined ? `Function ${name.slice(0, 40)} not registered` : `Function ${fn.name} cannot be read`);
      return "";
    }
    try {
      return fn.read(this.funcCtx, args);
    } catch (err) {
      this.opts.log.error({ err, func: fn.name }, `Function ${fn.name} failed; reading it as an empty string`);
      return "";
    }
  }

  setVar(name: string, value: string): void {
    const paren = name.indexOf("(");
    if (paren > 0) {
      const close = name.lastIndexOf(")");
      const fname = name.slice(0, paren).trim();
      const fn = this.opts.funcs.get(fname);
      if (fn?.write === undefined) {
        this.warn(fn === undefined ? `Function ${fname.slice(0, 40)} not registered` : `Function ${fn.name} cannot be written to`);
        return;
      }
      try {
        fn.write(this.funcCtx, name.slice(paren + 1, close > paren ? close : name.length), value);
      } catch (err) {
        this.opts.log.error({ err, func: fn.name }, `Function ${fn.name} failed to write`);
      }
      return;
    }
    // `_VAR`/`__VAR` ask for inheritance into dialed channels; the name itself has no underscores.
    const plain = name.replace(/^_{1,2}/, "");
    if (value.length === 0) this.channel.vars.delete(plain);
    else this.channel.vars.set(plain, value);
  }

  warn(message: string): void {
    this.opts.log.warn({ channel: this.channel.name }, message);
  }

  substitute(text: string): string {
    return substitute(text, this);
  }

  /** `[[context,]exten,]priority|label`; false (after a warning) when the label does not exist. */
  goto(target: readonly string[]): boolean {
    let context = this.context;
    let exten = this.exten;
    let pri: string;
    if (target.length >= 3) [context = "", exten = "", pri = ""] = target;
    else if (target.length === 2) [exten = "", pri = ""] = target;
    else pri = target[0] ?? "";
    let priority: number | undefined;
    if (/^\d+$/.test(pri)) priority = Number(pri);
    else {
      const match = findExtension(this.opts.dialplan, context, exten, this.channel.callerId.num);
      priority = match === undefined ? undefined : findLabel(match.extension, pri);
    }
    if (priority === undefined || priority < 1) {
      this.warn(`Priority '${pri.slice(0, 40)}' must be a number > 0, or valid label (Goto to ${context},${exten} on ${this.channel.name})`);
      return false;
    }
    this.context = context;
    this.exten = exten;
    this.priority = priority;
    this.jumped = true;
    return true;
  }
}
