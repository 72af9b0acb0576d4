/**
 * The `switchboard` command line: `start`, `check`, `-r`, `-rx "<command>"` and `--version`.
 * src/main.ts passes in what this layer may not import itself (the server composition root and
 * the config checker), which also lets tests drive it with fakes.
 *
 * Asterisk's `-rx` is one flag taking the command, and `-r -x CMD` and `-x CMD` mean the same.
 * Commander would read `-rx` as the two short flags `-r -x`, so those forms are rewritten into
 * the hidden `remote` subcommand before commander sees the arguments.
 */
import { resolve } from "node:path";
import { Command, CommanderError } from "commander";
import { runRemoteCommand, writeOut, type OutputStreams } from "./control-client.js";
import { runInteractiveConsole } from "./interactive-console.js";
import { CONTROL_SOCKET_NAME } from "./protocol.js";

export type ConfigSource = { kind: "dir"; dir: string } | { kind: "embedded"; files: Record<string, string> };
export interface CheckReport {
  text: string;
  errors: number;
  warnings: number;
}

export interface ServerHandle {
  stop(reason?: string): Promise<void>;
  done: Promise<void>;
}

export interface MainDeps {
  version: string;
  startServer(opts: { configDir?: string | undefined; dataDir: string; verbosity?: number }): Promise<ServerHandle>;
  runCheck(source: ConfigSource): CheckReport | Promise<CheckReport>;
  embeddedConfigSource(dataDir: string): ConfigSource | Promise<ConfigSource>;
  io?: OutputStreams & { stdin?: NodeJS.ReadableStream };
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Installs a handler for SIGINT/SIGTERM and returns its remover; tests replace it. */
  onSignal?: (handler: (signal: string) => void) => () => void;
}

export interface RemoteArgs {
  /** True when -r, -x or -rx was given. */
  remote: boolean;
  /** The command of -x / -rx, if any. */
  exec?: string;
  /** How many `v` were given (`-vvv`, `-rvvv`): the console's verbosity, as Asterisk counts it. */
  verbosity: number;
  /** Everything else, for commander. */
  rest: string[];
}

/** Pulls `-r`, `-v…`, `-rvvv`, `-x CMD`, `-rx CMD`, `-xr CMD` out of argv. Throws when -x has no command. */
export function extractRemoteArgs(args: string[]): RemoteArgs {
  const rest: string[] = [];
  let remote = false;
  let exec: string | undefined;
  let verbosity = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "--") {
      rest.push(...args.slice(i));
      break;
    }
    if (/^-[rv]+$/.test(a)) {
      remote ||= a.includes("r");
      verbosity += a.length - a.replaceAll("v", "").length;
    } else if (a === "-x" || a === "-rx" || a === "-xr") {
      const cmd = args[i + 1];
      if (cmd === undefined) throw new Error(`option '${a}' needs a command, e.g. ${a} "core show version"`);
      remote = true;
      exec = cmd;
      i++;
    } else {
      rest.push(a);
    }
  }
  return exec === undefined ? { remote, rest, verbosity } : { remote, exec, rest, verbosity };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const defaultOnSignal = (handler: (signal: string) => void): (() => void) => {
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
};

/** Runs the command line and resolves with the process exit code. */
export async function runMain(argv: string[], deps: MainDeps): Promise<number> {
  const io = deps.io ?? { stdout: process.stdout, stderr: process.stderr };
  const env = deps.env ?? process.env;
  const cwd = deps.cwd ?? process.cwd();
  const dataDirOf = (opt: string | undefined): string => resolve(cwd, opt ?? env.SWITCHBOARD_DATA ?? "var");
  let code = 0;

  let parsed: RemoteArgs;
  try {
    parsed = extractRemoteArgs(argv);
  } catch (err) {
    await writeOut(io.stderr, `switchboard: ${message(err)}\n`);
    return 1;
  }
  const args = parsed.remote
    ? ["remote", ...parsed.rest, ...(parsed.exec === undefined ? [] : [`--execute=${parsed.exec}`])]
    : parsed.rest;

  const program = new Command("switchboard")
    .description("A SIP PBX that reads Asterisk's configuration files")
    .version(deps.version, "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .addHelpText("after", '\nRemote console:\n  switchboard -r[vvv] [--data DIR]             attach to a running PBX (each v: one verbose level more)\n  switchboard -rx "COMMAND" [--data DIR]       run one console command and exit\n');

  program
    .command("start")
    .description("run the PBX in the foreground (-v, -vvv …: show verbose lines up to that level)")
    .option("--config <dir>", "configuration directory (default: the embedded configuration)")
    .option("--data <dir>", "data directory (default: $SWITCHBOARD_DATA or ./var)")
    .action(async (opts: { config?: string; data?: string }) => {
      code = await runStart(deps, io, opts.config === undefined ? undefined : resolve(cwd, opts.config), dataDirOf(opts.data), parsed.verbosity);
    });

  program
    .command("check")
    .description("check the configuration and report problems")
    .option("--config <dir>", "configuration directory (default: the embedded configuration)")
    .option("--data <dir>", "data directory (default: $SWITCHBOARD_DATA or ./var)")
    .action(async (opts: { config?: string; data?: string }) => {
      try {
        const source: ConfigSource =
          opts.config === undefined ? await deps.embeddedConfigSource(dataDirOf(opts.data)) : { kind: "dir", dir: resolve(cwd, opts.config) };
        const report = await deps.runCheck(source);
        await writeOut(io.stdout, report.text.endsWith("\n") || report.text === "" ? report.text : report.text + "\n");
        code = report.errors > 0 ? 1 : 0;
      } catch (err) {
        await writeOut(io.stderr, `switchboard: check failed: ${message(err)}\n`);
        code = 1;
      }
    });

  program
    .command("cert")
    .description("make a self-signed TLS certificate and key in <data>/tls/ for a protocol=tls transport")
    .option("--data <dir>", "data directory (default: $SWITCHBOARD_DATA or ./var)")
    .option("--name <name...>", "more DNS names or IP addresses for the certificate (the host's name and addresses are always in it)")
    .option("--force", "replace an existing certificate and key")
    .action(async (opts: { data?: string; name?: string[]; force?: boolean }) => {
      const { makeSelfSignedCert } = await import("../sip/transport/self-signed-cert.js");
      try {
        const c = await makeSelfSignedCert({ dir: resolve(dataDirOf(opts.data), "tls"), extra: opts.name ?? [], force: opts.force === true });
        await writeOut(io.stdout, certReport(c));
        code = 0;
      } catch (err) {
        await writeOut(io.stderr, `switchboard: ${message(err)}\n`);
        code = 1;
      }
    });

  program
    .command("remote", { hidden: true })
    .description("attach to a running PBX (also: -r, -rx)")
    .option("-x, --execute <command>", "run one console command and exit")
    .option("--data <dir>", "data directory (default: $SWITCHBOARD_DATA or ./var)")
    .action(async (opts: { execute?: string; data?: string }) => {
      const socketPath = resolve(dataDirOf(opts.data), CONTROL_SOCKET_NAME);
      code =
        opts.execute === undefined
          ? await runInteractiveConsole(socketPath, { input: deps.io?.stdin ?? process.stdin, output: io.stdout, errorOutput: io.stderr, verbosity: parsed.verbosity })
          : await runRemoteCommand(socketPath, opts.execute, io);
    });

  try {
    await program.parseAsync(args, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    await writeOut(io.stderr, `switchboard: ${message(err)}\n`);
    return 1;
  }
  return code;
}

/** `switchboard start`: runs until a signal or `core stop now`; a failed start is one line and exit 1. */
async function runStart(deps: MainDeps, io: OutputStreams, configDir: string | undefined, dataDir: string, verbosity: number): Promise<number> {
  // Signal handlers go in before the server starts: a SIGTERM that arrives while it is still
  // starting (its ports may already be bound) must stop it cleanly, not kill it.
  let server: ServerHandle | undefined;
  let pendingSignal: string | undefined;
  let stopping = false;
  let force: (code: number) => void = () => {};
  const forced = new Promise<number>((r) => (force = r));
  const stop = (running: ServerHandle, signal: string): void => {
    stopping = true;
    running.stop(signal).catch(async (err: unknown) => {
      await writeOut(io.stderr, `switchboard: stop failed: ${message(err)}\n`);
      force(1);
    });
  };
  // The first signal stops cleanly; a second one (an impatient operator) ends the process at once.
  const removeSignals = (deps.onSignal ?? defaultOnSignal)((signal) => {
    if (stopping || pendingSignal !== undefined) return force(1);
    if (server) stop(server, signal);
    else pendingSignal = signal;
  });
  try {
    try {
      server = await deps.startServer({ configDir, dataDir, verbosity });
    } catch (err) {
      await writeOut(io.stderr, `switchboard: cannot start: ${message(err)}\n`);
      return 1;
    }
    if (pendingSignal !== undefined) stop(server, pendingSignal);
    return await Promise.race([server.done.then(() => 0), forced]);
  } finally {
    removeSignals();
  }
}

/** What `switchboard cert` prints: where the files are, the fingerprint, and how to use and trust them. */
function certReport(c: { certFile: string; keyFile: string; fingerprint: string; names: readonly string[]; addresses: readonly string[]; notAfter: Date }): string {
  return [
    `Certificate: ${c.certFile}`,
    `Private key: ${c.keyFile} (readable by this user only)`,
    `Valid until: ${c.notAfter.toISOString().slice(0, 10)}, for ${[...c.names, ...c.addresses].join(", ")}`,
    `SHA-256 fingerprint: ${c.fingerprint}`,
    "",
    "Use it in pjsip.conf:",
    "  [transport-tls]",
    "  type = transport",
    "  protocol = tls",
    "  bind = 0.0.0.0:5061",
    `  cert_file = ${c.certFile}`,
    `  priv_key_file = ${c.keyFile}`,
    "",
    "Phones check the server's certificate against the ones they trust. It is self-signed, so give",
    `them ${c.certFile} as a trusted (CA) certificate (baresip: sip_cafile; Linphone, Zoiper and desk`,
    "phones: import it as a root certificate), or compare the fingerprint above when the phone asks.",
    "Turning verification off on the phone works too, but then anyone in the path can pose as the PBX.",
    "",
  ].join("\n");
}
