/**
 * The `switchboard` executable: argv → runMain → exit code. Thin on purpose (STYLE.md §1): the
 * command line lives in cli/program.ts, the composition root in server.ts. The server and the
 * config checker (with the dialplan check) are imported lazily so `switchboard -rx …` starts fast.
 */
import { runMain } from "./cli/program.js";
import { packageVersion } from "./cli/version.js";

const code = await runMain(process.argv.slice(2), {
  version: packageVersion(),
  startServer: async (opts) => (await import("./server.js")).startServer(opts),
  embeddedConfigSource: async (dataDir) => (await import("./server.js")).embeddedConfigSource(dataDir),
  // The dialplan is checked here, above the config layer, because compiling it needs the pbx's
  // application registry (config must not import pbx).
  runCheck: async (source) => {
    const [{ runCheck }, { checkDialplan }, { checkTrunks }, { serverAppRegistry }, { STASIS_APP_NAME }, { parkingDialplan }] = await Promise.all([
      import("./config/index.js"),
      import("./pbx/dialplan/check-dialplan.js"),
      import("./pbx/toll-fraud/check-trunks.js"),
      import("./pbx/check-apps.js"),
      import("./api/ari/stasis.js"),
      import("./pbx/parking/parking-dialplan.js"),
    ]);
    return runCheck(source, (cfg) => [...(cfg.extensions === undefined ? [] : checkDialplan(cfg.extensions, serverAppRegistry([STASIS_APP_NAME]), [parkingDialplan(cfg)])), ...checkTrunks(cfg)]);
  },
});
// Exit explicitly: a console's paused stdin or a closing socket must not keep the process alive.
process.exit(code);
