import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { join } from "node:path";
import { extractRemoteArgs, runMain, type ConfigSource, type MainDeps, type ServerHandle } from "../../src/cli/program.js";
import { Capture, startFixture } from "./helpers.js";

interface Harness {
  deps: MainDeps;
  out: Capture;
  err: Capture;
  started: Array<{ configDir?: string | undefined; dataDir: string }>;
  checked: ConfigSource[];
  signal(name: string): void;
}

function harness(over: Partial<MainDeps> = {}): Harness {
  const out = new Capture();
  const err = new Capture();
  const started: Harness["started"] = [];
  const checked: ConfigSource[] = [];
  let signalHandler: ((s: string) => void) | undefined;
  const deps: MainDeps = {
    version: "9.8.7",
    io: { stdout: out, stderr: err, stdin: new PassThrough() },
    env: {},
    cwd: "/srv/pbx",
    startServer: async (opts) => {
      started.push(opts);
      let stop: () => void = () => {};
      const done = new Promise<void>((r) => (stop = r));
      const handle: ServerHandle = { stop: async () => stop(), done };
      return handle;
    },
    runCheck: (source) => {
      checked.push(source);
      return { text: "pjsip.conf: ok", errors: 0, warnings: 0 };
    },
    embeddedConfigSource: () => ({ kind: "embedded", files: { "pjsip.conf": "" } }),
    onSignal: (h) => {
      signalHandler = h;
      return () => (signalHandler = undefined);
    },
    ...over,
  };
  return { deps, out, err, started, checked, signal: (s) => signalHandler?.(s) };
}

test("program: extractRemoteArgs understands -rx, -r -x, -x and -xr like Asterisk", () => {
  assert.deepEqual(extractRemoteArgs(["-rx", "core show version", "--data", "/d"]), { remote: true, exec: "core show version", rest: ["--data", "/d"], verbosity: 0 });
  assert.deepEqual(extractRemoteArgs(["-r", "-x", "help"]), { remote: true, exec: "help", rest: [], verbosity: 0 });
  assert.deepEqual(extractRemoteArgs(["--data=/d", "-x", "-weird"]), { remote: true, exec: "-weird", rest: ["--data=/d"], verbosity: 0 });
  assert.deepEqual(extractRemoteArgs(["-xr", "help"]), { remote: true, exec: "help", rest: [], verbosity: 0 });
  assert.deepEqual(extractRemoteArgs(["-r"]), { remote: true, rest: [], verbosity: 0 });
  assert.deepEqual(extractRemoteArgs(["start", "--data", "x"]), { remote: false, rest: ["start", "--data", "x"], verbosity: 0 });
  // -v counts like Asterisk's: -rvvv, -r -vv -v, start -vvv.
  assert.deepEqual(extractRemoteArgs(["-rvvv"]), { remote: true, rest: [], verbosity: 3 });
  assert.deepEqual(extractRemoteArgs(["-r", "-vv", "-v"]), { remote: true, rest: [], verbosity: 3 });
  assert.deepEqual(extractRemoteArgs(["start", "-vvv"]), { remote: false, rest: ["start"], verbosity: 3 });
  assert.throws(() => extractRemoteArgs(["-rx"]), /needs a command/);
});

test("program: --version prints the package version and exits 0", async () => {
  const h = harness();
  assert.equal(await runMain(["--version"], h.deps), 0);
  assert.equal(h.out.text, "9.8.7\n");
});

test("program: -rx runs one command on the running PBX and exits 0", async () => {
  const fx = await startFixture();
  try {
    const h = harness();
    assert.equal(await runMain(["-rx", "echo from rx", "--data", fx.dir], h.deps), 0);
    assert.equal(h.out.text, "from rx\n");
    const h2 = harness();
    assert.equal(await runMain(["-r", "-x", "echo split", `--data=${fx.dir}`], h2.deps), 0);
    assert.equal(h2.out.text, "split\n");
  } finally {
    await fx.close();
  }
});

test("program: -rx with a failing command exits 1", async () => {
  const fx = await startFixture();
  try {
    const h = harness();
    assert.equal(await runMain(["-rx", "no such thing", "--data", fx.dir], h.deps), 1);
    assert.match(h.out.text, /^No such command 'no such thing'/);
  } finally {
    await fx.close();
  }
});

test("program: -rx uses $SWITCHBOARD_DATA when --data is absent", async () => {
  const fx = await startFixture();
  try {
    const h = harness({ env: { SWITCHBOARD_DATA: fx.dir } });
    assert.equal(await runMain(["-rx", "echo env"], h.deps), 0);
    assert.equal(h.out.text, "env\n");
  } finally {
    await fx.close();
  }
});

test("program: -rx without a running PBX exits 2 naming ./var/switchboard.ctl by default", async () => {
  const h = harness();
  assert.equal(await runMain(["-rx", "core show version"], h.deps), 2);
  assert.equal(h.err.text, "Unable to connect to remote Switchboard (does /srv/pbx/var/switchboard.ctl exist?)\n");
});

test("program: -rx with no command is an error exit 1", async () => {
  const h = harness();
  assert.equal(await runMain(["-rx"], h.deps), 1);
  assert.match(h.err.text, /needs a command/);
});

test("program: -r with piped stdin runs the lines", async () => {
  const fx = await startFixture();
  try {
    const stdin = new PassThrough();
    stdin.end("echo piped one\necho piped two\n");
    const h = harness();
    h.deps.io = { stdout: h.out, stderr: h.err, stdin };
    assert.equal(await runMain(["-r", "--data", fx.dir], h.deps), 0);
    assert.equal(h.out.text, "piped one\npiped two\n");
  } finally {
    await fx.close();
  }
});

test("program: start passes resolved dirs, stops on a signal and exits 0", async () => {
  const h = harness();
  const run = runMain(["start", "-vvv", "--config", "conf", "--data", "/abs/data"], h.deps);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(h.started, [{ configDir: "/srv/pbx/conf", dataDir: "/abs/data", verbosity: 3 }]);
  h.signal("SIGTERM");
  assert.equal(await run, 0);
});

test("program: start without --config leaves configDir undefined and defaults data to ./var", async () => {
  const h = harness();
  const run = runMain(["start"], h.deps);
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(h.started, [{ configDir: undefined, dataDir: "/srv/pbx/var", verbosity: 0 }]);
  h.signal("SIGINT");
  assert.equal(await run, 0);
});

test("program: a start failure prints one line and exits 1", async () => {
  const h = harness({
    startServer: async () => {
      throw new Error("another Switchboard is already running with control socket /x");
    },
  });
  assert.equal(await runMain(["start"], h.deps), 1);
  assert.equal(h.err.text, "switchboard: cannot start: another Switchboard is already running with control socket /x\n");
});

test("program: check --config reads the directory and exits 0 without errors", async () => {
  const h = harness();
  assert.equal(await runMain(["check", "--config", "/etc/switchboard"], h.deps), 0);
  assert.deepEqual(h.checked, [{ kind: "dir", dir: "/etc/switchboard" }]);
  assert.equal(h.out.text, "pjsip.conf: ok\n");
});

test("program: check without --config checks the embedded default; errors exit 1", async () => {
  const h = harness({ runCheck: (source) => ({ text: `${source.kind}: 2 errors\n`, errors: 2, warnings: 0 }) });
  assert.equal(await runMain(["check"], h.deps), 1);
  assert.equal(h.out.text, "embedded: 2 errors\n");
});

test("program: unknown subcommands and options exit non-zero", async () => {
  const h = harness();
  assert.notEqual(await runMain(["frobnicate"], h.deps), 0);
  assert.match(h.err.text, /unknown command/);
  const h2 = harness();
  assert.notEqual(await runMain(["start", "--bogus"], h2.deps), 0);
  assert.match(h2.err.text, /unknown option/);
});

test("program: the data dir for -r is joined with switchboard.ctl", async () => {
  const h = harness();
  assert.equal(await runMain(["-r", "--data", "rel"], h.deps), 2);
  assert.equal(h.err.text, `Unable to connect to remote Switchboard (does ${join("/srv/pbx/rel", "switchboard.ctl")} exist?)\n`);
});

test("program: a second signal while stopping forces exit 1", async () => {
  const h = harness({
    startServer: async () => ({ stop: () => new Promise<void>(() => {}), done: new Promise<void>(() => {}) }),
  });
  const run = runMain(["start"], h.deps);
  await new Promise((r) => setTimeout(r, 10));
  h.signal("SIGINT");
  h.signal("SIGINT");
  assert.equal(await run, 1);
});

test("program: a stop that fails prints the reason and exits 1", async () => {
  const h = harness({
    startServer: async () => ({ stop: async () => { throw new Error("bridge stuck"); }, done: new Promise<void>(() => {}) }),
  });
  const run = runMain(["start"], h.deps);
  await new Promise((r) => setTimeout(r, 10));
  h.signal("SIGTERM");
  assert.equal(await run, 1);
  assert.equal(h.err.text, "switchboard: stop failed: bridge stuck\n");
});

test("program: a signal during startup stops the server once it has started", async () => {
  let release: () => void = () => {};
  const stops: string[] = [];
  const h = harness({
    startServer: async () => {
      await new Promise<void>((r) => (release = r));
      let finish: () => void = () => {};
      const done = new Promise<void>((r) => (finish = r));
      return { stop: async (reason?: string) => { stops.push(reason ?? ""); finish(); }, done };
    },
  });
  const run = runMain(["start"], h.deps);
  await new Promise((r) => setTimeout(r, 10));
  h.signal("SIGTERM");
  assert.deepEqual(stops, []);
  release();
  assert.equal(await run, 0);
  assert.deepEqual(stops, ["SIGTERM"]);
});
