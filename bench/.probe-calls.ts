// scratch (deleted after use)
import { startPbx } from "../test/helpers/pbx.js";
import { freePort } from "../test/helpers/ports.js";
import { scratchDir, sleep } from "../test/helpers/processes.js";
import { benchConfig, registerScenario, uacScenario, uasScenario } from "./lib/calls-scenarios.js";
import { runSippStats, startUas } from "./lib/calls-sipp.js";
const dir = scratchDir("probe");
const port = await freePort("127.0.0.1"); const uasPort = await freePort("127.0.0.3"); const uacPort = await freePort("127.0.0.2"); const regPort = await freePort("127.0.0.3");
const pbx = await startPbx({ configFiles: benchConfig({ serverIp: "127.0.0.1", serverPort: port, uacIp: "127.0.0.2", uasIp: "127.0.0.3", calleePassword: "pw12345678", rtpStart: 40000, rtpEnd: 55999 }) });
const target = `127.0.0.1:${port}`;
const reg = await runSippStats({ dir, name: "reg", scenario: registerScenario(uasPort), args: [target, "-s", "1002", "-au", "1002", "-ap", "pw12345678", "-i", "127.0.0.3", "-mi", "127.0.0.3", "-p", String(regPort), "-m", "1"], hardLimitMs: 10000 });
console.log("reg", reg.successful);
const uas = await startUas({ dir, name: "uas", scenario: uasScenario(), args: ["-i", "127.0.0.3", "-mi", "127.0.0.3", "-p", String(uasPort), "-mp", "58000"] });
const rate = Number(process.env.RATE ?? 1500);
const r = await runSippStats({ dir, name: "uac", scenario: uacScenario(), args: [target, "-s", "1002", "-i", "127.0.0.2", "-mi", "127.0.0.2", "-p", String(uacPort), "-mp", "60000", "-r", String(rate), "-m", String(rate * 4), "-l", String(rate * 5), "-d", "1000", "-timeout", "40s", "-recv_timeout", "8000"], hardLimitMs: 50000 });
console.log("uac ok", r.successful, "failed", r.failed, "retrans", r.retransmissions);
for (let i = 0; i < 12; i++) { console.log(i * 5, (await pbx.rx("core show resources")).stdout.replace(/\n/g, " | ")); await sleep(5000); }
console.log((await pbx.rx("core show channels concise")).stdout.split("\n").slice(0, 5).join("\n"));
console.log((await pbx.rx("pjsip show channelstats")).stdout.split("\n").slice(0, 8).join("\n"));
await uas.stop(); await pbx.stop();
