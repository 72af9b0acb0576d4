/**
 * Honest configuration (issue 8): an option either works as Asterisk documents it, or is declared
 * not implemented (`{ implemented: false }`, or per value with `unimplementedValues`) and then
 * says so once at load and in `check`. Never accepted and silently ignored.
 *
 * Static half: every option declared implemented must be read somewhere outside src/config/
 * (found with the TypeScript checker, see option-reads.ts), and an option declared not
 * implemented must not be. Reads in console commands do not count either way: printing an
 * option in `pjsip show …` does not make it work. Dynamic half: each option declared not
 * implemented, set to a non-default value, is named at load and by `switchboard check`.
 */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { runCheck } from "../../../src/config/check/run-check.js";
import { guardSchema } from "../../../src/config/guard/guard-schema.js";
import { loadConfiguration } from "../../../src/config/load-configuration.js";
import { aorSchema } from "../../../src/config/pjsip/aor-schema.js";
import { authSchema } from "../../../src/config/pjsip/auth-schema.js";
import { endpointSchema } from "../../../src/config/pjsip/endpoint-schema.js";
import { globalSchema } from "../../../src/config/pjsip/global-schema.js";
import { identifySchema } from "../../../src/config/pjsip/identify-schema.js";
import { registrationSchema } from "../../../src/config/pjsip/registration-schema.js";
import { PJSIP_SCHEMAS } from "../../../src/config/pjsip/object-types.js";
import { systemSchema } from "../../../src/config/pjsip/system-schema.js";
import { transportSchema } from "../../../src/config/pjsip/transport-schema.js";
import { rtpSchema } from "../../../src/config/rtp/rtp-schema.js";
import { loggerSchema } from "../../../src/config/logger/logger-schema.js";
import { asteriskDirectoriesSchema, asteriskOptionsSchema } from "../../../src/config/asterisk/asterisk-schema.js";
import { voicemailGeneralSchema } from "../../../src/config/voicemail/voicemail-schema.js";
import { httpGeneralSchema } from "../../../src/config/http/http-schema.js";
import { ariGeneralSchema, ariUserSchema } from "../../../src/config/ari/ari-schema.js";
import { managerGeneralSchema, managerUserSchema } from "../../../src/config/manager/manager-schema.js";
import { aclSchema } from "../../../src/config/acl/acl-schema.js";
import { featuresFeaturemapSchema, featuresGeneralSchema } from "../../../src/config/features/features-schema.js";
import { parkingGeneralSchema, parkingLotSchema } from "../../../src/config/parking/parking-schema.js";
import { queueSchema, queuesGeneralSchema } from "../../../src/config/queues/queues-schema.js";
import { cdrCsvSchema, cdrGeneralSchema, cdrManagerSchema, cdrSqliteSchema } from "../../../src/config/cdr/cdr-schema.js";
import { mohClassSchema, mohGeneralSchema } from "../../../src/config/moh/moh-schema.js";
import { confbridgeBridgeSchema, confbridgeUserSchema } from "../../../src/config/confbridge/confbridge-schema.js";
import type { AnyOption, ObjectSchema } from "../../../src/config/schema/types.js";
import { findOptionReads, type OptionReads, type ValuesType } from "./option-reads.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

interface Target extends ValuesType {
  readonly schema: ObjectSchema;
  /** The .conf file whose sections use this schema, and the section written for it. */
  readonly conf: "pjsip.conf" | "rtp.conf" | "guard.conf" | "logger.conf" | "asterisk.conf" | "voicemail.conf" | "manager.conf" | "http.conf" | "ari.conf" | "cdr.conf" | "cdr_manager.conf" | "cdr_sqlite3_custom.conf" | "acl.conf" | "features.conf" | "res_parking.conf" | "musiconhold.conf" | "confbridge.conf" | "queues.conf";
  /** The section of a settings file (default [general]). */
  readonly section?: string;
}

/** Every schema, with the values type the loader gives the rest of the program. */
const TARGETS: readonly Target[] = [
  { label: "transport", schema: transportSchema, file: "src/config/pjsip/transport-schema.ts", typeName: "TransportValues", conf: "pjsip.conf" },
  { label: "endpoint", schema: endpointSchema, file: "src/config/pjsip/endpoint-schema.ts", typeName: "EndpointValues", conf: "pjsip.conf" },
  { label: "aor", schema: aorSchema, file: "src/config/pjsip/aor-schema.ts", typeName: "AorValues", conf: "pjsip.conf" },
  { label: "auth", schema: authSchema, file: "src/config/pjsip/auth-schema.ts", typeName: "AuthValues", conf: "pjsip.conf" },
  { label: "identify", schema: identifySchema, file: "src/config/pjsip/identify-schema.ts", typeName: "IdentifyValues", conf: "pjsip.conf" },
  { label: "registration", schema: registrationSchema, file: "src/config/pjsip/registration-schema.ts", typeName: "RegistrationValues", conf: "pjsip.conf" },
  { label: "global", schema: globalSchema, file: "src/config/pjsip/global-schema.ts", typeName: "GlobalValues", conf: "pjsip.conf" },
  { label: "system", schema: systemSchema, file: "src/config/pjsip/system-schema.ts", typeName: "SystemValues", conf: "pjsip.conf" },
  { label: "rtp", schema: rtpSchema, file: "src/config/rtp/rtp-schema.ts", typeName: "RtpValues", conf: "rtp.conf" },
  { label: "guard", schema: guardSchema, file: "src/config/guard/guard-schema.ts", typeName: "GuardValues", conf: "guard.conf" },
  { label: "logger", schema: loggerSchema, file: "src/config/logger/logger-schema.ts", typeName: "LoggerValues", conf: "logger.conf" },
  { label: "directories", schema: asteriskDirectoriesSchema, file: "src/config/asterisk/asterisk-schema.ts", typeName: "AsteriskDirectories", conf: "asterisk.conf", section: "directories" },
  { label: "options", schema: asteriskOptionsSchema, file: "src/config/asterisk/asterisk-schema.ts", typeName: "AsteriskOptions", conf: "asterisk.conf", section: "options" },
  { label: "voicemail", schema: voicemailGeneralSchema, file: "src/config/voicemail/voicemail-schema.ts", typeName: "VoicemailGeneral", conf: "voicemail.conf" },
  { label: "http", schema: httpGeneralSchema, file: "src/config/http/http-schema.ts", typeName: "HttpGeneral", conf: "http.conf" },
  { label: "ari", schema: ariGeneralSchema, file: "src/config/ari/ari-schema.ts", typeName: "AriGeneral", conf: "ari.conf" },
  { label: "ari-user", schema: ariUserSchema, file: "src/config/ari/ari-schema.ts", typeName: "AriUserValues", conf: "ari.conf", section: "ariuser" },
  { label: "manager", schema: managerGeneralSchema, file: "src/config/manager/manager-schema.ts", typeName: "ManagerGeneral", conf: "manager.conf" },
  { label: "acl", schema: aclSchema, file: "src/config/acl/acl-schema.ts", typeName: "AclValues", conf: "acl.conf", section: "office" },
  { label: "features", schema: featuresGeneralSchema, file: "src/config/features/features-schema.ts", typeName: "FeaturesGeneral", conf: "features.conf" },
  { label: "featuremap", schema: featuresFeaturemapSchema, file: "src/config/features/features-schema.ts", typeName: "FeaturesFeaturemap", conf: "features.conf", section: "featuremap" },
  { label: "parking", schema: parkingGeneralSchema, file: "src/config/parking/parking-schema.ts", typeName: "ParkingGeneral", conf: "res_parking.conf" },
  { label: "parking-lot", schema: parkingLotSchema, file: "src/config/parking/parking-schema.ts", typeName: "ParkingLotValues", conf: "res_parking.conf", section: "default" },
  { label: "queues", schema: queuesGeneralSchema, file: "src/config/queues/queues-schema.ts", typeName: "QueuesGeneral", conf: "queues.conf" },
  { label: "queue", schema: queueSchema, file: "src/config/queues/queues-schema.ts", typeName: "QueueValues", conf: "queues.conf", section: "support" },
  { label: "cdr", schema: cdrGeneralSchema, file: "src/config/cdr/cdr-schema.ts", typeName: "CdrGeneral", conf: "cdr.conf" },
  { label: "cdr-csv", schema: cdrCsvSchema, file: "src/config/cdr/cdr-schema.ts", typeName: "CdrCsv", conf: "cdr.conf", section: "csv" },
  { label: "cdr-manager", schema: cdrManagerSchema, file: "src/config/cdr/cdr-schema.ts", typeName: "CdrManagerGeneral", conf: "cdr_manager.conf" },
  { label: "cdr-sqlite", schema: cdrSqliteSchema, file: "src/config/cdr/cdr-schema.ts", typeName: "CdrSqliteMaster", conf: "cdr_sqlite3_custom.conf", section: "master" },
  { label: "moh", schema: mohGeneralSchema, file: "src/config/moh/moh-schema.ts", typeName: "MohGeneral", conf: "musiconhold.conf" },
  { label: "moh-class", schema: mohClassSchema, file: "src/config/moh/moh-schema.ts", typeName: "MohClassValues", conf: "musiconhold.conf", section: "default" },
  { label: "confbridge-bridge", schema: confbridgeBridgeSchema, file: "src/config/confbridge/confbridge-schema.ts", typeName: "ConfbridgeBridgeValues", conf: "confbridge.conf", section: "bridge" },
  { label: "confbridge-user", schema: confbridgeUserSchema, file: "src/config/confbridge/confbridge-schema.ts", typeName: "ConfbridgeUserValues", conf: "confbridge.conf", section: "user" },
  { label: "manageruser", schema: managerUserSchema, file: "src/config/manager/manager-schema.ts", typeName: "ManagerUserValues", conf: "manager.conf", section: "admin" },
];

/** Console commands print options; a read there is not behaviour. */
function isDisplayCode(rel: string): boolean {
  return rel.startsWith("src/cli/") || /-commands?\.ts$/.test(rel) || /\/(cli-format|object-table)\.ts$/.test(rel);
}

/**
 * Implemented options that are legitimately consumed inside src/config/, so nothing outside has
 * to read them. Keep this short; each entry says why.
 */
const CONSUMED_IN_CONFIG: Readonly<Record<string, string>> = {
  "directories.astdatadir": "load-asterisk.ts turns it into the sound root <astdatadir>/sounds (AsteriskConfig.soundRoots), which the sound library searches",
  "directories.astspooldir": "load-asterisk.ts turns it into AsteriskConfig.spoolDir, under which voicemail keeps its mailboxes",
  "auth.auth_type":
    "only digest can be loaded: userpass and md5 are converted to digest and google_oauth is rejected in auth-schema.ts, so there is nothing left to branch on",
  "ari-user.password_format": "load-ari.ts refuses a password_format=crypt user at load (an error); every loaded user has a plain password",
  "manageruser.secret": "load-manager.ts keeps it as ManagerUser.secret, which the AMI Login compares",
  "manageruser.deny": "load-manager.ts folds permit/deny into ManagerUser.rules, which the AMI Login checks",
  "manageruser.permit": "load-manager.ts folds permit/deny into ManagerUser.rules, which the AMI Login checks",
  "manageruser.setvar": "load-manager.ts keeps it as ManagerUser.setvar, which AMI Originate sets on the channel",
  "manageruser.eventfilter": "load-manager.ts compiles the lines into ManagerUser.eventFilters, which each AMI session applies",
  "manageruser.read": "load-manager.ts turns the class list into ManagerUser.read, which decides what events a session gets",
  "manageruser.write": "load-manager.ts turns the class list into ManagerUser.write, which decides what actions a session may send",
  "manageruser.writetimeout": "load-manager.ts keeps it as ManagerUser.writeTimeoutMs, the AMI session's write timeout",
  "manageruser.displayconnects": "load-manager.ts keeps it as ManagerUser.displayConnects, read by the AMI login and logoff lines",
  "manageruser.allowmultiplelogin": "load-manager.ts keeps it as ManagerUser.allowMultipleLogin, read by the AMI Login",
  "acl.deny": "load-acl.ts folds permit/deny into AclConfig.named, which the AMI login and the endpoint ACL stage check",
  "acl.permit": "load-acl.ts folds permit/deny into AclConfig.named, which the AMI login and the endpoint ACL stage check",
  "manageruser.acl": "load-manager.ts keeps it as ManagerUser.acl, which the AMI Login checks against acl.conf",
  "cdr-manager.enabled": "load-cdr.ts keeps it as CdrConfig.managerEnabled, which the CDR module reads to send Cdr events",
  "cdr-sqlite.table": "load-cdr.ts checks it and keeps it as CdrSqliteConfig.table, the table the SQLite backend writes",
  "cdr-sqlite.columns": "load-cdr.ts splits it into CdrSqliteConfig.columns, the SQLite backend's columns",
  "cdr-sqlite.values": "load-cdr.ts splits it into CdrSqliteConfig.values, which the SQLite backend substitutes per record",
  "cdr-sqlite.busy_timeout": "load-cdr.ts keeps it as CdrSqliteConfig.busyTimeoutMs, the SQLite backend's busy timeout",
  "queue.member": "load-queues.ts parses the lines into QueueDefinition.members, the static members the queue module rings",
  "queue.leavewhenempty": "load-queues.ts turns it into QueueDefinition.leaveEmptyConditions, which Queue() checks while a caller waits",
  "moh-class.mode": "load-moh.ts plays every class as mode=files (the other modes are declared not implemented), so MohClassConfig.mode is always files",
  "moh-class.directory": "load-moh.ts resolves it against astdatadir into MohClassConfig.directory, which the music on hold service scans for files",
  "moh-class.sort": "load-moh.ts keeps it as MohClassConfig.sort, the order the music on hold player plays the files in",
  "endpoint.webrtc": "a preset: endpoint-schema.ts's validate() sets the options it stands for (use_avpf, rtcp_mux, media_encryption=dtls, dtls_verify, dtls_setup, dtls_auto_generate_cert …), which the media session reads",
  "logger.rotatetimestamp":
    "deprecated alias: load-logger.ts turns it into rotatestrategy (timestamp or sequential) when rotatestrategy is not set, and the log router reads rotatestrategy",
};

/** Not-implemented options that code outside src/config/ may read anyway, with the reason. */
const READ_WHILE_NOT_IMPLEMENTED: Readonly<Record<string, string>> = {};

function key(t: Target, o: AnyOption): string {
  return `${t.label}.${o.name}`;
}

/**
 * True when only the default value is implemented and every other value is declared not
 * implemented: the default behaviour is built in, so there is nothing to read.
 */
function fixedAtDefault(o: AnyOption): boolean {
  const off = (o.unimplementedValues ?? []).map((v) => JSON.stringify(v));
  if (off.length === 0) return false;
  const all = o.type === "bool" ? [true, false] : o.type === "enum" ? [...(o.enumValues ?? [])] : undefined;
  if (all === undefined) return false;
  return all.every((v) => JSON.stringify(v) === JSON.stringify(o.default) || off.includes(JSON.stringify(v)));
}

describe("honest configuration: implemented options are read outside src/config/, not-implemented ones are not", () => {
  let found: OptionReads;
  const readers = (t: Target, o: AnyOption): string[] => [...(found.reads.get(`${t.label}.${o.key}`) ?? [])].sort();

  before(() => {
    found = findOptionReads(ROOT, join(ROOT, "tsconfig.json"), TARGETS, (rel) => !rel.startsWith("src/config/") && !isDisplayCode(rel));
  });

  it("covers every schema file, and each values type has exactly its schema's option keys", () => {
    const schemaFiles: string[] = [];
    const scan = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) scan(join(dir, e.name));
        else if (e.name.endsWith("-schema.ts")) schemaFiles.push(relative(ROOT, join(dir, e.name)));
      }
    };
    scan(join(ROOT, "src", "config"));
    assert.deepEqual(schemaFiles.sort(), [...new Set(TARGETS.map((t) => t.file))].sort(), "a new *-schema.ts needs a row in TARGETS");
    for (const s of [...PJSIP_SCHEMAS, rtpSchema, guardSchema]) assert.ok(TARGETS.some((t) => t.schema === s), `schema ${s.type} has a row in TARGETS`);
    for (const t of TARGETS) {
      // The loader exposes each option under its schema key (camelCase of the name, or `key:`).
      assert.deepEqual([...(found.keys.get(t.label) ?? [])].sort(), [...new Set(t.schema.options.map((o) => o.key))].sort(), `${t.typeName} keys`);
    }
  });

  it("every option declared implemented is read outside src/config/ (or is on the short, explained list)", () => {
    const unread: string[] = [];
    for (const t of TARGETS) {
      for (const o of t.schema.options) {
        if (!o.implemented || fixedAtDefault(o) || CONSUMED_IN_CONFIG[key(t, o)] !== undefined) continue;
        if (readers(t, o).length === 0) unread.push(`${key(t, o)} (${t.typeName}.${o.key})`);
      }
    }
    assert.deepEqual(unread, [], "declared implemented but read nowhere outside src/config/: wire them or declare them { implemented: false }");
  });

  it("no option declared not implemented is read outside src/config/", () => {
    const read: string[] = [];
    for (const t of TARGETS) {
      for (const o of t.schema.options) {
        if (o.implemented || READ_WHILE_NOT_IMPLEMENTED[key(t, o)] !== undefined) continue;
        const files = readers(t, o);
        if (files.length > 0) read.push(`${key(t, o)} read in ${files.join(", ")}`);
      }
    }
    assert.deepEqual(read, [], "declared not implemented but used: declare them implemented (and test them) or stop reading them");
  });

  it("the exception lists hold only options that need them", () => {
    for (const t of TARGETS) {
      for (const o of t.schema.options) {
        if (CONSUMED_IN_CONFIG[key(t, o)] !== undefined) {
          assert.ok(o.implemented && readers(t, o).length === 0, `${key(t, o)} is on CONSUMED_IN_CONFIG but is ${o.implemented ? "read outside config" : "not implemented"}: remove it`);
        }
        if (READ_WHILE_NOT_IMPLEMENTED[key(t, o)] !== undefined) {
          assert.ok(!o.implemented && readers(t, o).length > 0, `${key(t, o)} is on READ_WHILE_NOT_IMPLEMENTED but no longer needs it: remove it`);
        }
      }
    }
    for (const k of [...Object.keys(CONSUMED_IN_CONFIG), ...Object.keys(READ_WHILE_NOT_IMPLEMENTED)]) {
      assert.ok(TARGETS.some((t) => t.schema.options.some((o) => key(t, o) === k)), `${k} names an existing option`);
    }
  });
});

/** A value other than the default that the option's parser accepts, as written in a file. */
function otherValue(o: AnyOption): string | undefined {
  const candidates =
    o.type === "bool"
      ? [o.default === true ? "no" : "yes"]
      : o.type === "enum"
        ? [...(o.enumValues ?? [])]
        : o.type === "int" || o.type === "uint" || o.type === "float"
          ? ["7", "1000", "2"]
          : o.type === "cidr-list"
            ? ["192.0.2.0/24"]
            : ["honesty-probe", "yes"];
  for (const raw of candidates) {
    const r = o.parse(raw, structuredClone(o.default));
    if (r.ok && JSON.stringify(r.value) !== JSON.stringify(o.default)) return raw;
  }
  return undefined;
}

/** Options that only load together with another line. */
const PROBE_LINES: Readonly<Record<string, string>> = {
  "endpoint.rtp_port_start": "rtp_port_start=10000\nrtp_port_end=20000",
  "endpoint.rtp_port_end": "rtp_port_start=10000\nrtp_port_end=20000",
};

/**
 * Configuration files in which `line` appears in two objects of `t`'s type (twice in [general]
 * for rtp.conf and guard.conf, which have one section), plus whatever those objects need to load.
 */
function filesWith(t: Target, line: string): Record<string, string> {
  if (t.label === "ari-user") return { "pjsip.conf": "", "ari.conf": `[probe1]\ntype=user\npassword=p1\n${line}\n[probe2]\ntype=user\npassword=p2\n${line}\n` };
  // confbridge.conf profiles: two profiles of the schema's type (section holds the type).
  if (t.conf === "confbridge.conf") return { "pjsip.conf": "", [t.conf]: `[probe1]\ntype=${t.section ?? ""}\n${line}\n[probe2]\ntype=${t.section ?? ""}\n${line}\n` };
  if (t.conf !== "pjsip.conf") return { "pjsip.conf": "", [t.conf]: `[${t.section ?? "general"}]\n${line}\n${line}\n` };
  if (t.label === "global" || t.label === "system") return { "pjsip.conf": `[${t.label}]\ntype=${t.label}\n${line}\n` };
  const required =
    t.label === "identify"
      ? "endpoint=p\nmatch=192.0.2.1\n"
      : t.label === "endpoint"
        ? "allow=ulaw\n"
        : t.label === "registration"
          ? "server_uri=sip:192.0.2.1\nclient_uri=sip:1@192.0.2.1\n"
          : "";
  // Two transports must not share a bind address.
  const bind = (id: string): string => (t.label === "transport" ? `bind=127.0.0.1:${id === "probe1" ? 5061 : 5062}\n` : "");
  const section = (id: string): string => `[${id}]\ntype=${t.label}\n${required}${bind(id)}${line}\n`;
  // Objects the option or the section names, which must exist for it to load.
  const referenced =
    t.label === "identify"
      ? "[p]\ntype=endpoint\nallow=ulaw\n"
      : line.startsWith("outbound_auth=")
        ? "[honesty-probe]\ntype=auth\nusername=x\npassword=y\n"
        : line.startsWith("transport=")
          ? "[honesty-probe]\ntype=transport\nbind=127.0.0.1\n"
          : line.startsWith("endpoint=")
            ? "[honesty-probe]\ntype=endpoint\nallow=ulaw\n"
            : "";
  return { "pjsip.conf": `${section("probe1")}${section("probe2")}${referenced}` };
}

describe("honest configuration: every option declared not implemented says so once at load and in check", () => {
  for (const t of TARGETS) {
    for (const o of t.schema.options) {
      if (o.implemented && o.unimplementedValues === undefined) continue;
      const values = o.implemented ? (o.unimplementedValues ?? []).map((v) => (typeof v === "boolean" ? (v ? "yes" : "no") : String(v))) : [otherValue(o)];
      for (const value of values) {
        it(`${t.conf} ${t.label} ${o.name}=${value ?? "?"} is named as not implemented`, () => {
          assert.ok(value !== undefined, `no non-default value found to probe ${o.name} with`);
          const twice = filesWith(t, PROBE_LINES[key(t, o)] ?? `${o.name}=${value}`);
          const named = new RegExp(`(option '${o.name}'|: ${o.name}=\\S+) is accepted but not implemented yet`);
          const mentions = (text: string): number => text.split("\n").filter((l) => named.test(l)).length;
          const loaded = loadConfiguration({ kind: "embedded", files: twice });
          const loadText = loaded.diagnostics.map((d) => `${d.severity}: ${d.message}`).join("\n");
          assert.equal(loaded.diagnostics.filter((d) => d.severity === "error").length, 0, loadText);
          assert.equal(mentions(loadText), 1, `once at load:\n${loadText}`);
          const report = runCheck({ kind: "embedded", files: twice });
          assert.equal(mentions(report.text), 1, `once in check:\n${report.text}`);
        });
      }
    }
  }
});
