/**
 * Writes configs/samples/pjsip.conf.sample, rtp.conf.sample, guard.conf.sample, logger.conf.sample, voicemail.conf.sample, asterisk.conf.sample, manager.conf.sample, the cdr samples and musiconhold.conf.sample from the option schemas.
 * Run: node --import tsx scripts/gen-samples.ts
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderPjsipSample, renderRtpSample } from "../src/config/defaults/sample-files.js";
import { renderGuardSample } from "../src/config/guard/guard-sample.js";
import { renderLoggerSample } from "../src/config/logger/logger-sample.js";
import { renderAsteriskSample, renderVoicemailSample } from "../src/config/voicemail/voicemail-sample.js";
import { renderAriSample, renderHttpSample } from "../src/config/ari/ari-sample.js";
import { renderManagerSample } from "../src/config/manager/manager-sample.js";
import { renderAclSample } from "../src/config/acl/acl-sample.js";
import { renderFeaturesSample } from "../src/config/features/features-sample.js";
import { renderParkingSample } from "../src/config/parking/parking-sample.js";
import { renderQueuesSample } from "../src/config/queues/queues-sample.js";
import { renderCdrManagerSample, renderCdrSample, renderCdrSqliteSample } from "../src/config/cdr/cdr-sample.js";
import { renderMohSample } from "../src/config/moh/moh-sample.js";
import { renderConfbridgeSample } from "../src/config/confbridge/confbridge-sample.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const targets: Array<[string, string]> = [
  ["configs/samples/pjsip.conf.sample", renderPjsipSample()],
  ["configs/samples/rtp.conf.sample", renderRtpSample()],
  ["configs/samples/guard.conf.sample", renderGuardSample()],
  ["configs/samples/logger.conf.sample", renderLoggerSample()],
  ["configs/samples/voicemail.conf.sample", renderVoicemailSample()],
  ["configs/samples/asterisk.conf.sample", renderAsteriskSample()],
  ["configs/samples/http.conf.sample", renderHttpSample()],
  ["configs/samples/ari.conf.sample", renderAriSample()],
  ["configs/samples/manager.conf.sample", renderManagerSample()],
  ["configs/samples/acl.conf.sample", renderAclSample()],
  ["configs/samples/features.conf.sample", renderFeaturesSample()],
  ["configs/samples/res_parking.conf.sample", renderParkingSample()],
  ["configs/samples/queues.conf.sample", renderQueuesSample()],
  ["configs/samples/cdr.conf.sample", renderCdrSample()],
  ["configs/samples/cdr_manager.conf.sample", renderCdrManagerSample()],
  ["configs/samples/cdr_sqlite3_custom.conf.sample", renderCdrSqliteSample()],
  ["configs/samples/musiconhold.conf.sample", renderMohSample()],
  ["configs/samples/confbridge.conf.sample", renderConfbridgeSample()],
];
for (const [path, text] of targets) {
  writeFileSync(join(root, path), text);
  process.stdout.write(`wrote ${path}\n`);
}
