/**
 * Material for the REGISTER benchmark: a pjsip.conf with many endpoints sharing templates, the
 * SIPp injection file carrying each user's credentials (PEERS.md §4: the whole
 * `[authentication …]` keyword sits in the CSV, because fields are not expanded inside it), the
 * scenario, and a SIPp runner without message traces (tracing would throttle SIPp itself).
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface BenchUser {
  readonly id: string;
  readonly password: string;
}

// SIPp reads a password that starts with "0x" as a hex (AKA) key, so every password starts with a letter.
export function makeUsers(count: number, first = 20001): BenchUser[] {
  const users: BenchUser[] = [];
  for (let i = 0; i < count; i++) users.push({ id: String(first + i), password: `p${Math.random().toString(36).slice(2, 14)}` });
  return users;
}

/** pjsip.conf: one UDP transport, three templates, and three short sections per user. */
export function benchPjsipConf(ip: string, port: number, users: readonly BenchUser[]): string {
  const head = `[transport-udp]
type=transport
protocol=udp
bind=${ip}:${port}

[endpoint-tpl](!)
type=endpoint
context=default
disallow=all
allow=ulaw

[auth-tpl](!)
type=auth
auth_type=digest

[aor-tpl](!)
type=aor
max_contacts=1
remove_existing=yes
`;
  const body = users.map((u) => `
[${u.id}](endpoint-tpl)
auth=${u.id}
aors=${u.id}

[${u.id}](auth-tpl)
username=${u.id}
password=${u.password}

[${u.id}](aor-tpl)
`);
  return head + body.join("");
}

/** SIPp -inf file: field0 = user, field1 = its complete authentication keyword. */
export function injectionCsv(users: readonly BenchUser[]): string {
  return "SEQUENTIAL\n" + users.map((u) => `${u.id};[authentication username=${u.id} password=${u.password}]`).join("\n") + "\n";
}

export const REGISTER_SCENARIO = `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="bench-register">
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:[field0]@[remote_ip]:[remote_port]>;tag=[pid]b[call_number]
      To: <sip:[field0]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Expires: 3600
      Content-Length: 0

    ]]>
  </send>
  <recv response="401" auth="true"/>
  <send retrans="500">
    <![CDATA[

      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      Max-Forwards: 70
      From: <sip:[field0]@[remote_ip]:[remote_port]>;tag=[pid]b[call_number]
      To: <sip:[field0]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:[field0]@[local_ip]:[local_port]>
      Expires: 3600
      [field1]
      Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
</scenario>
`;

export interface LoadResult {
  readonly code: number;
  readonly successful: number;
  readonly failed: number;
  readonly elapsedSeconds: number;
  readonly stderr: string;
}

function statistic(stdout: string, name: string): number {
  const re = new RegExp(`^\\s*${name}\\s*\\|[^|]*\\|\\s*(\\d+)`, "gm");
  let last = 0;
  for (let m = re.exec(stdout); m !== null; m = re.exec(stdout)) last = Number(m[1]);
  return last;
}

export interface LoadOptions {
  readonly dir: string;
  readonly target: string;
  readonly localIp: string;
  readonly localPort: number;
  readonly rate: number;
  readonly calls: number;
  readonly maxSeconds: number;
}

/** Runs one SIPp load step (REGISTER + digest per call) and returns its counters. */
export function runRegisterLoad(o: LoadOptions): Promise<LoadResult> {
  writeFileSync(join(o.dir, "register.xml"), REGISTER_SCENARIO);
  const args = [
    o.target, "-sf", join(o.dir, "register.xml"), "-inf", join(o.dir, "users.csv"),
    "-i", o.localIp, "-mi", o.localIp, "-p", String(o.localPort),
    "-r", String(o.rate), "-rp", "1000", "-m", String(o.calls), "-l", String(Math.max(100, o.rate * 4)),
    "-nostdin", "-timeout", `${o.maxSeconds}s`, "-recv_timeout", "4000", "-buff_size", "8388608",
    ...(process.env.BENCH_TRACE ? ["-trace_err"] : []),
  ];
  const started = performance.now();
  return new Promise((resolve) => {
    const proc = spawn("sipp", args, { cwd: o.dir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    proc.stdout.setEncoding("latin1").on("data", (d: string) => (stdout += d));
    proc.stderr.setEncoding("latin1").on("data", (d: string) => (stderr += d));
    const killer = setTimeout(() => proc.kill("SIGKILL"), (o.maxSeconds + 10) * 1000);
    proc.on("close", (code) => {
      clearTimeout(killer);
      const successful = statistic(stdout, "Successful call");
      // Calls sipp never finished (global timeout) are failures too.
      const failed = Math.max(statistic(stdout, "Failed call"), o.calls - successful);
      resolve({ code: code ?? 1, successful, failed, elapsedSeconds: (performance.now() - started) / 1000, stderr });
    });
  });
}
