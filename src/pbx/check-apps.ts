/**
 * The applications `switchboard check` compiles extensions.conf against: those every module of
 * the server registers (the core ones, the IVR module's, the voicemail, CDR, music on hold, pickup,
 * parking, transfer, MixMonitor, ConfBridge and queues modules'), so check warns
 * about exactly what a running server would.
 */
import { createCoreAppRegistry, type AppRegistry } from "./apps/index.js";
import { ivrApps } from "./ivr/ivr-module.js";
import { VOICEMAIL_APP_NAMES } from "./voicemail/voicemail-module.js";
import { CDR_APP_NAMES } from "./cdr/cdr-module.js";
import { MOH_APP_NAMES } from "./moh/moh-apps.js";
import { PICKUP_APP_NAMES } from "./pickup/pickup-module.js";
import { PARKING_APP_NAMES } from "./parking/parking-module.js";
import { TRANSFER_APP_NAMES } from "./transfer/transfer-module.js";
import { MIXMONITOR_APP_NAMES } from "./mixmonitor/mixmonitor-module.js";
import { CONFBRIDGE_APP_NAMES } from "./confbridge/confbridge-module.js";
import { QUEUE_APP_NAMES } from "./queues/queues-module.js";

/** `extraNames`: applications of modules above pbx (ARI's Stasis), known by name only. */
export function serverAppRegistry(extraNames: readonly string[] = []): AppRegistry {
  const apps = createCoreAppRegistry();
  for (const app of ivrApps(() => "sounds")) apps.register(app);
  // Only the names matter to the compiler: stand-ins that are never run.
  for (const name of [...VOICEMAIL_APP_NAMES, ...CDR_APP_NAMES, ...MOH_APP_NAMES, ...PICKUP_APP_NAMES, ...PARKING_APP_NAMES, ...TRANSFER_APP_NAMES, ...MIXMONITOR_APP_NAMES, ...CONFBRIDGE_APP_NAMES, ...QUEUE_APP_NAMES, ...extraNames]) apps.register({ name, synopsis: "", syntax: "", execute: () => Promise.resolve("continue") });
  return apps;
}
