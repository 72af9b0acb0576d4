/**
 * `switchboard -r`: the interactive remote console. A `<hostname>*CLI> ` prompt with line
 * editing, persistent history (`<dataDir>/.cli_history`, newest 1000 lines), tab completion
 * answered by the PBX, and log lines printed above the prompt as they arrive.
 *
 * With piped input (no terminal) it reads lines, runs each in order, prints the outputs and
 * exits at end of input, so `printf 'core show version\n' | switchboard -r` works in scripts.
 */
import { createInterface, clearLine, cursorTo, type Interface } from "node:readline";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { hostname as osHostname } from "node:os";
import { ControlClient, unableToConnect, writeOut } from "./control-client.js";
import { splitWords } from "./words.js";

export const HISTORY_FILE_NAME = ".cli_history";
export const HISTORY_MAX_LINES = 1000;

export interface InteractiveConsoleOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  errorOutput?: NodeJS.WritableStream;
  /** Line editing and prompt; defaults to whether both input and output are terminals. */
  terminal?: boolean;
  /** Defaults to `.cli_history` next to the socket, i.e. in the data directory. */
  historyFile?: string;
  hostname?: string;
  /** Verbose lines up to this level are shown (`-rvvv` is 3); `core set verbose` changes it. */
  verbosity?: number;
}

/** Reads the history file, oldest line first; a missing or unreadable file is an empty history. */
export function loadHistory(file: string): string[] {
  try {
    return readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.trim().length > 0)
      .slice(-HISTORY_MAX_LINES);
  } catch {
    return [];
  }
}

function saveHistory(file: string, lines: string[]): void {
  try {
    writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600 });
  } catch {
    // History is a convenience; a read-only data directory must not break the console.
  }
}

function isTty(stream: NodeJS.ReadableStream | NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

export async function runInteractiveConsole(socketPath: string, opts: InteractiveConsoleOptions = {}): Promise<number> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const errorOutput = opts.errorOutput ?? process.stderr;
  const terminal = opts.terminal ?? (isTty(input) && isTty(output));
  const historyFile = opts.historyFile ?? join(dirname(socketPath), HISTORY_FILE_NAME);
  const prompt = `${opts.hostname ?? osHostname()}*CLI> `;

  let client: ControlClient;
  try {
    client = await ControlClient.connect(socketPath);
  } catch {
    await writeOut(errorOutput, unableToConnect(socketPath));
    return 2;
  }
  client.subscribeLog(opts.verbosity ?? 0);

  const history = loadHistory(historyFile);
  let busy = false;
  let inputEnded = false;
  let exiting = false;
  let chain: Promise<void> = Promise.resolve();
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (resolveDone = r));

  const completer = (line: string, cb: (err: Error | null, result: [string[], string]) => void): void => {
    const { words, trailingSpace } = splitWords(line);
    const word = trailingSpace ? "" : (words[words.length - 1] ?? "");
    client
      .complete(line)
      .then((items) => cb(null, [items.length === 1 ? [`${items[0] ?? ""} `] : items, word]))
      .catch(() => cb(null, [[], word]));
  };

  const rl: Interface = createInterface({
    input,
    output,
    terminal,
    prompt,
    completer,
    // readline keeps history newest first.
    history: [...history].reverse(),
    historySize: HISTORY_MAX_LINES,
  });

  const finish = (code: number): void => {
    if (exiting) return;
    exiting = true;
    rl.close();
    client.close();
    resolveDone(code);
  };

  const showPrompt = (): void => {
    if (terminal && !exiting) rl.prompt();
  };

  const handleLine = async (raw: string): Promise<void> => {
    if (exiting) return;
    const line = raw.trim();
    if (line.length === 0) return showPrompt();
    if (history[history.length - 1] !== line) {
      history.push(line);
      if (history.length > HISTORY_MAX_LINES) history.splice(0, history.length - HISTORY_MAX_LINES);
      saveHistory(historyFile, history);
    }
    const lower = line.toLowerCase();
    if (lower === "exit" || lower === "quit") return finish(0);
    busy = true;
    try {
      const res = await client.exec(line);
      const out = res.output.length > 0 && !res.output.endsWith("\n") ? res.output + "\n" : res.output;
      await writeOut(output, out);
    } catch {
      // The connection dropped; the client's close handler reports it.
      return;
    } finally {
      busy = false;
    }
    showPrompt();
  };

  client.on("log", (line) => {
    if (exiting) return;
    if (terminal && !busy) {
      // Print the log line above the prompt, then redraw the prompt and what was typed so far.
      clearLine(output, 0);
      cursorTo(output, 0);
      output.write(line + "\n");
      rl.prompt(true);
    } else {
      output.write(line + "\n");
    }
  });

  client.on("close", () => {
    if (exiting) return;
    chain = chain.then(async () => {
      if (exiting) return;
      if (terminal) output.write("\n");
      await writeOut(errorOutput, "Disconnected from Switchboard server\n");
      finish(inputEnded ? 0 : 1);
    });
  });

  rl.on("line", (line) => {
    chain = chain.then(() => handleLine(line));
  });
  // Ctrl-C abandons the line being typed, as in a shell, rather than leaving the console.
  rl.on("SIGINT", () => {
    rl.write(null, { ctrl: true, name: "e" });
    rl.write(null, { ctrl: true, name: "u" });
    output.write("^C\n");
    showPrompt();
  });
  // Ctrl-D on an empty line and end of piped input both close readline.
  rl.on("close", () => {
    inputEnded = true;
    chain = chain.then(() => {
      if (terminal && !exiting) output.write("\n");
      finish(0);
    });
  });

  if (terminal) output.write(`Connected to Switchboard (${socketPath})\n`);
  showPrompt();
  return done;
}
