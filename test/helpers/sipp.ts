/**
 * Runs SIPp 3.6 as a UAC (foreground, awaited) or UAS (background) with the settings every test
 * needs: IP literals for signalling and media (-i/-mi), no stdin, global and receive timeouts so a
 * silent server ends the run instead of hanging it, and message/error traces in a scratch cwd.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { scratchDir, sleep, stopProcess, trackProcess } from "./processes.js";
import { parseSipMessage, type SipMessageLite } from "./sip-client.js";

/** test/fixtures/sipp, where the checked-in scenarios live. */
export const SIPP_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "sipp");

export interface SippOptions {
  /** A path to a scenario file, a fixture name (e.g. "register-auth.xml"), or the XML text itself. */
  readonly scenario: string;
  /** "ip:port" of the remote side (omit for a UAS). */
  readonly target?: string;
  readonly localIp: string;
  readonly localPort?: number;
  /** Extra arguments, e.g. ["-s", "1001", "-au", "1001", "-ap", "pw", "-m", "1"]. */
  readonly args?: readonly string[];
  /** Hard limit for the whole run; sipp is killed after it. Default 20 s. */
  readonly timeoutMs?: number;
  /** `-recv_timeout` in ms. Default 4000. */
  readonly recvTimeoutMs?: number;
  /** Files (name → contents) written into sipp's working directory, e.g. an -inf CSV. */
  readonly files?: Readonly<Record<string, string>>;
}

export interface SippResult {
  /** 0 all calls OK, 1 some failed, 97/99 no call / internal, 255/254 fatal (bad scenario, bind). */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Contents of the -trace_msg file. */
  readonly messages: string;
  /** Contents of the -trace_err file. */
  readonly errors: string;
  readonly successful: number;
  readonly failed: number;
  readonly cwd: string;
  /** The traced messages, in order. */
  readonly trace: SippTraceEntry[];
}

export interface SippTraceEntry {
  readonly direction: "sent" | "received";
  readonly message: SipMessageLite;
}

function scenarioPath(scenario: string, cwd: string): string {
  if (scenario.trimStart().startsWith("<")) {
    const p = join(cwd, "scenario.xml");
    writeFileSync(p, scenario);
    return p;
  }
  if (existsSync(scenario)) return resolve(scenario);
  const fixture = join(SIPP_FIXTURES, scenario);
  if (existsSync(fixture)) return fixture;
  throw new Error(`sipp scenario not found: ${scenario}`);
}

function baseArgs(o: SippOptions, cwd: string): string[] {
  const args: string[] = [];
  if (o.target !== undefined) args.push(o.target);
  args.push("-sf", scenarioPath(o.scenario, cwd), "-i", o.localIp, "-mi", o.localIp);
  if (o.localPort !== undefined) args.push("-p", String(o.localPort));
  args.push(
    "-nostdin",
    "-timeout", `${Math.ceil((o.timeoutMs ?? 20000) / 1000)}s`,
    "-recv_timeout", String(o.recvTimeoutMs ?? 4000),
    "-trace_msg", "-message_file", join(cwd, "messages.log"),
    "-trace_err", "-error_file", join(cwd, "errors.log"),
  );
  args.push(...(o.args ?? []));
  return args;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch {
    return "";
  }
}

/** Splits a -trace_msg file into sent/received SIP messages. */
export function parseSippTrace(text: string): SippTraceEntry[] {
  const out: SippTraceEntry[] = [];
  const blocks = text.split(/^-{20,} [^\n]*\n/m);
  for (const block of blocks) {
    const m = /^\w+ message (sent|received) [^\n]*\n\n([\s\S]*)$/.exec(block);
    if (m?.[2] === undefined) continue;
    // sipp writes messages with the CRLFs it sent; normalise trailing padding only.
    const raw = m[2].replace(/\r?\n/g, "\r\n").replace(/(\r\n)+$/, "\r\n\r\n");
    const message = parseSipMessage(raw.replace(/^\r\n+/, ""));
    if (message !== undefined) out.push({ direction: m[1] === "sent" ? "sent" : "received", message });
  }
  return out;
}

function statistic(stdout: string, name: string): number {
  const re = new RegExp(`^\\s*${name}\\s*\\|[^|]*\\|\\s*(\\d+)`, "gm");
  let last = 0;
  for (let m = re.exec(stdout); m !== null; m = re.exec(stdout)) last = Number(m[1]);
  return last;
}

/** Runs sipp to completion in a scratch cwd and returns its exit code, output and traces. */
export async function runSipp(o: SippOptions): Promise<SippResult> {
  const cwd = scratchDir("sipp");
  for (const [name, text] of Object.entries(o.files ?? {})) writeFileSync(join(cwd, name), text);
  const args = baseArgs(o, cwd);
  const proc = spawn("sipp", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  trackProcess(proc, "sipp");
  let stdout = "";
  let stderr = "";
  proc.stdout.setEncoding("latin1").on("data", (d: string) => (stdout += d));
  proc.stderr.setEncoding("latin1").on("data", (d: string) => (stderr += d));
  const hardLimit = (o.timeoutMs ?? 20000) + 5000;
  const timer = setTimeout(() => proc.kill("SIGKILL"), hardLimit);
  const code = await new Promise<number>((resolvePromise) => {
    proc.on("close", (c, signal) => resolvePromise(c ?? (signal !== null ? 137 : 1)));
    proc.on("error", (err) => {
      stderr += String(err);
      resolvePromise(127);
    });
  });
  clearTimeout(timer);
  const messages = readOr(join(cwd, "messages.log"));
  return {
    code,
    stdout,
    stderr,
    messages,
    errors: readOr(join(cwd, "errors.log")),
    successful: statistic(stdout, "Successful call"),
    failed: statistic(stdout, "Failed call"),
    cwd,
    trace: parseSippTrace(messages),
  };
}

/** Status codes of the responses sipp received, in order. */
export function receivedStatuses(r: SippResult): number[] {
  return r.trace.filter((e) => e.direction === "received" && e.message.isResponse).map((e) => e.message.status);
}

/** A one-paragraph description of a sipp run for assertion messages. */
export function describeSipp(r: SippResult): string {
  return `sipp exit ${r.code} (ok ${r.successful}, failed ${r.failed}) in ${r.cwd}\nstderr: ${r.stderr.trim().slice(-800)}\nerrors: ${r.errors.trim().slice(-800)}\nmessages:\n${r.messages.slice(-3000)}`;
}

export interface BackgroundSipp {
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly cwd: string;
  /** Resolves with the result once sipp exits on its own. */
  readonly done: Promise<SippResult>;
  stop(): Promise<SippResult>;
}

/** Starts sipp (typically a UAS) in the background; waits `startupMs` for it to bind. */
export async function startSippBackground(o: SippOptions & { readonly startupMs?: number }): Promise<BackgroundSipp> {
  const cwd = scratchDir("sipp-bg");
  for (const [name, text] of Object.entries(o.files ?? {})) writeFileSync(join(cwd, name), text);
  const proc = spawn("sipp", baseArgs(o, cwd), { cwd, stdio: ["ignore", "pipe", "pipe"] });
  trackProcess(proc, "sipp-bg");
  if (proc.pid === undefined) throw new Error("could not spawn sipp");
  let stdout = "";
  let stderr = "";
  proc.stdout?.setEncoding("latin1").on("data", (d: string) => (stdout += d));
  proc.stderr?.setEncoding("latin1").on("data", (d: string) => (stderr += d));
  const done = new Promise<SippResult>((resolvePromise) => {
    proc.on("close", (c, signal) => {
      const messages = readOr(join(cwd, "messages.log"));
      resolvePromise({
        code: c ?? (signal !== null ? 137 : 1), stdout, stderr, messages,
        errors: readOr(join(cwd, "errors.log")),
        successful: statistic(stdout, "Successful call"), failed: statistic(stdout, "Failed call"),
        cwd, trace: parseSippTrace(messages),
      });
    });
  });
  await sleep(o.startupMs ?? 300);
  if (proc.exitCode !== null) {
    const r = await done;
    throw new Error(`background sipp exited at start-up\n${describeSipp(r)}`);
  }
  return {
    proc, pid: proc.pid, cwd, done,
    async stop() {
      await stopProcess(proc, 3000);
      return done;
    },
  };
}
