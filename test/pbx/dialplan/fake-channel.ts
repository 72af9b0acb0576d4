/** A DialplanChannel that records what the dialplan asked of it, for unit tests. */
import type { DialplanChannel, DialResult } from "../../../src/pbx/dialplan/channel.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { compileDialplan } from "../../../src/pbx/dialplan/compile.js";
import type { Dialplan } from "../../../src/pbx/dialplan/types.js";

export class FakeChannel implements DialplanChannel {
  readonly name: string;
  readonly vars = new Map<string, string>();
  callerId = { num: "1001", name: "Alice" };
  answered = false;
  gone = false;
  /** Every call as `method(args)`, in order. */
  readonly calls: string[] = [];
  /** What dial() answers. */
  dialResult: DialResult = { status: "NOANSWER" };
  /** Files whose playback fails. */
  readonly failingFiles = new Set<string>();
  /** Methods after which the caller hangs up (e.g. "echo", "wait"). */
  readonly hangUpAfter = new Set<string>();

  constructor(name = "PJSIP/1001-00000001") {
    this.name = name;
  }

  private note(call: string, method: string): void {
    this.calls.push(call);
    if (this.hangUpAfter.has(method)) this.gone = true;
  }

  hungUp(): boolean {
    return this.gone;
  }
  answer(): Promise<void> {
    this.answered = true;
    this.note("answer()", "answer");
    return Promise.resolve();
  }
  progress(): Promise<void> {
    this.note("progress()", "progress");
    return Promise.resolve();
  }
  ringing(): Promise<void> {
    this.note("ringing()", "ringing");
    return Promise.resolve();
  }
  hangup(cause?: number): Promise<void> {
    this.note(`hangup(${cause ?? ""})`, "hangup");
    this.gone = true;
    return Promise.resolve();
  }
  playback(what: string): Promise<"ok" | "failed"> {
    this.note(`playback(${what})`, "playback");
    return Promise.resolve(this.failingFiles.has(what) ? "failed" : "ok");
  }
  echo(): Promise<void> {
    this.note("echo()", "echo");
    return Promise.resolve();
  }
  wait(seconds: number): Promise<void> {
    this.note(`wait(${seconds})`, "wait");
    return Promise.resolve();
  }
  dial(targets: string[], timeoutSec: number | undefined, options: string): Promise<DialResult> {
    this.note(`dial(${targets.join("&")},${timeoutSec ?? ""},${options})`, "dial");
    return Promise.resolve(this.dialResult);
  }
  busy(timeoutSec?: number): Promise<void> {
    this.note(`busy(${timeoutSec ?? ""})`, "busy");
    return Promise.resolve();
  }
  congestion(timeoutSec?: number): Promise<void> {
    this.note(`congestion(${timeoutSec ?? ""})`, "congestion");
    return Promise.resolve();
  }
}

/** Compiles extensions.conf text; the test fails loudly on diagnostics unless `allowDiagnostics`. */
export function dialplanFrom(text: string, allowDiagnostics = false): Dialplan {
  const { dialplan, diagnostics } = compileDialplan(parseConfigText(text, "extensions.conf"));
  if (!allowDiagnostics && diagnostics.length > 0) throw new Error(`unexpected diagnostics: ${JSON.stringify(diagnostics)}`);
  return dialplan;
}
