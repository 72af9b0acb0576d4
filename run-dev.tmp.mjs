import { register } from "tsx/esm/api";
register();
const { startServer } = await import("/work/main/src/server.next.ts");
const s = await startServer({ configDir: "/tmp/sb1/cfg", dataDir: "/tmp/sb1/data" });
process.on("SIGTERM", async () => { await s.stop(); process.exit(0); });
