import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PbxError } from "../../../src/core/errors.js";
import { formatDiagnostic } from "../../../src/config/diagnostic.js";
import { parseConfigText } from "../../../src/config/ini/parser.js";
import { aorSchema } from "../../../src/config/pjsip/aor-schema.js";
import { carryOverRejected } from "../../../src/config/pjsip/carry-over.js";
import { endpointSchema } from "../../../src/config/pjsip/endpoint-schema.js";
import { buildPjsipConfig } from "../../../src/config/pjsip/load-pjsip.js";
import { pjsipObjectType, PjsipObjectTypes } from "../../../src/config/pjsip/object-descriptor.js";
import { PJSIP_OBJECT_TYPES, PJSIP_SCHEMAS, schemaForType, UNIMPLEMENTED_PJSIP_TYPES } from "../../../src/config/pjsip/object-types.js";
import type { PjsipConfigResult } from "../../../src/config/pjsip/pjsip-config.js";
import { transportSchema } from "../../../src/config/pjsip/transport-schema.js";
import { registrationSchema } from "../../../src/config/pjsip/registration-schema.js";
import { str, uint } from "../../../src/config/schema/options.js";
import type { ObjectSchema } from "../../../src/config/schema/types.js";
import { PJSIP_TYPE_CASES, typedFieldObject } from "./object-type-cases.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

function load(text: string, types?: PjsipObjectTypes): PjsipConfigResult {
  return buildPjsipConfig(parseConfigText(text, "pjsip.conf"), types);
}

const lines = (cfg: PjsipConfigResult): string[] => cfg.diagnostics.map(formatDiagnostic);

// A type that exists only in this test: registering its descriptor must be all it takes.
const widgetOptions = [str("colour", "red", "Colour of the widget."), uint("size", 1, "Size of the widget.")] as const;
const widgetSchema: ObjectSchema<typeof widgetOptions> = { type: "widget", synopsis: "Test-only object type.", options: widgetOptions };
const withWidgets = (storage: "keyed" | "list" | "singleton", impliedBy?: string[]): PjsipObjectTypes =>
  PJSIP_OBJECT_TYPES.with(pjsipObjectType({ schema: widgetSchema, storage, ...(impliedBy ? { impliedBy } : {}) }));

test("object types: every implemented type has a case in object-type-cases.ts", () => {
  assert.deepEqual(PJSIP_TYPE_CASES.map((c) => c.type).sort(), PJSIP_OBJECT_TYPES.names().sort());
});

for (const c of PJSIP_TYPE_CASES) {
  test(`object types (${c.type}): a section loads through its descriptor into byType, objectsOf and the ${c.field} field`, () => {
    const cfg = load(c.prelude + c.section(3));
    assert.deepEqual(lines(cfg), [], "the section loads cleanly");
    const d = PJSIP_OBJECT_TYPES.get(c.type);
    assert.equal(d?.field, c.field);
    assert.equal(cfg.byType.get(c.type)?.storage, d?.storage);
    const loaded = cfg.byType.get(c.type)?.get(c.id);
    assert.ok(loaded, `${c.type} ${c.id} is in byType`);
    assert.equal(c.read(loaded), 3);
    assert.deepEqual([loaded.id, loaded.file, loaded.line > 0], [c.id, "pjsip.conf", true]);
    assert.ok(cfg.objectsOf(c.type).includes(loaded), "objectsOf lists it");
    assert.equal(typedFieldObject(cfg, c), loaded, "the typed field shows the same object");
  });
}

test("object types: keyed types are found by id, list types keep file order, singletons hold defaults until a section sets them", () => {
  const cfg = load("[b]\ntype=aor\n[a]\ntype=aor\n[t2]\ntype=transport\nbind=127.0.0.1:5072\n[t1]\ntype=transport\nbind=127.0.0.1:5071\n");
  assert.deepEqual([...cfg.aors.keys()], ["b", "a"]);
  assert.deepEqual(cfg.objectsOf("transport").map((t) => t.id), ["t2", "t1"]);
  assert.deepEqual(cfg.transports.map((t) => t.id), ["t2", "t1"]);
  const global = cfg.objectsOf("global");
  assert.equal(global.length, 1, "a singleton always has its one object");
  assert.deepEqual([global[0]?.id, global[0]?.line, cfg.global.userAgent], ["global", 0, "Switchboard"]);
  assert.equal(cfg.byType.get("global")?.get("global"), undefined, "the defaults are no section's object");
  assert.deepEqual(cfg.objectsOf("no-such-type"), []);
});

test("object types: a later section of a singleton type replaces the earlier one", () => {
  const cfg = load("[g1]\ntype=global\nuser_agent=One\n[g2]\ntype=global\nuser_agent=Two\n");
  assert.deepEqual([cfg.global.id, cfg.global.userAgent], ["g2", "Two"]);
});

test("object types: a not-implemented Asterisk type keeps its one warning naming the implemented types", () => {
  const cfg = load("[r1]\ntype=domain_alias\n[r2]\ntype=domain_alias\n[acl]\ntype=acl\n");
  assert.deepEqual(lines(cfg), [
    "pjsip.conf:1: warning: [r1] domain_alias: object type 'domain_alias' is not implemented yet; section ignored (Switchboard implements transport, endpoint, aor, auth, identify, registration, global and system)",
    "pjsip.conf:3: warning: [r2] domain_alias: object type 'domain_alias' is not implemented yet; section ignored",
    "pjsip.conf:5: warning: [acl] acl: object type 'acl' is not implemented yet; section ignored (Switchboard implements transport, endpoint, aor, auth, identify, registration, global and system)",
  ]);
  assert.deepEqual(cfg.rejected, []);
});

test("object types: the sample's schema order and the console's schema lookup come from the descriptors", () => {
  assert.deepEqual(PJSIP_SCHEMAS.map((s) => s.type), ["transport", "endpoint", "aor", "auth", "identify", "registration", "global", "system"]);
  assert.equal(schemaForType("endpoint"), endpointSchema);
  assert.equal(schemaForType("registration"), registrationSchema);
  assert.equal(schemaForType("domain_alias"), undefined);
});

test("object types: an extra descriptor is loaded, listed and carried over with no other change", () => {
  const types = withWidgets("keyed");
  const prev = load("[w1]\ntype=widget\ncolour=blue\nsize=3\n[w2]\ntype=widget\n", types);
  assert.deepEqual(lines(prev), []);
  assert.deepEqual(prev.objectsOf("widget").map((w) => [w.id, w["colour"], w["size"]]), [["w1", "blue", 3], ["w2", "red", 1]]);

  const next = load("[w1]\ntype=widget\ncolour=green\nsize=lots\n[w2]\ntype=widget\n", types);
  assert.deepEqual(next.rejected, [{ type: "widget", id: "w1" }]);
  assert.equal(next.byType.get("widget")?.get("w1"), undefined);
  assert.deepEqual(carryOverRejected(prev, next), ["widget w1"]);
  assert.equal(next.byType.get("widget")?.get("w1")?.["colour"], "blue", "the previous definition is back");

  // The default set does not know the type, and is unchanged by with().
  assert.equal(PJSIP_OBJECT_TYPES.get("widget"), undefined);
  assert.match(lines(load("[w1]\ntype=widget\n"))[0] ?? "", /type=widget is not a known object type/);
});

test("object types: an extra type joins the messages that list the implemented types", () => {
  const cfg = load("[x]\ncontext=a\n[r]\ntype=domain_alias\n[y]\ntype=widgte\n", withWidgets("list"));
  assert.deepEqual(lines(cfg), [
    "pjsip.conf:1: error: [x] has no type=; every pjsip.conf section needs one (type=transport, type=endpoint, type=aor, type=auth, type=identify, type=registration, type=global, type=system or type=widget)",
    "pjsip.conf:3: warning: [r] domain_alias: object type 'domain_alias' is not implemented yet; section ignored (Switchboard implements transport, endpoint, aor, auth, identify, registration, global, system and widget)",
    "pjsip.conf:5: error: [y] type=widgte is not a known object type; did you mean type=widget?",
  ]);
});

test("object types: an extra list or singleton type follows its storage kind, including an implied section name", () => {
  const listed = load("[b]\ntype=widget\n[a]\ntype=widget\n", withWidgets("list"));
  assert.deepEqual(listed.objectsOf("widget").map((w) => w.id), ["b", "a"]);
  const single = withWidgets("singleton", ["widget"]);
  const defaults = load("", single);
  assert.deepEqual(defaults.objectsOf("widget").map((w) => [w.id, w.line, w["colour"]]), [["widget", 0, "red"]]);
  const prev = load("[widget]\ncolour=blue\n", single);
  assert.deepEqual(lines(prev), [], "[widget] needs no type=");
  const next = load("[widget]\ncolour=green\nshape=round\n", single);
  assert.equal(next.objectsOf("widget")[0]?.["colour"], "red", "a rejected singleton section leaves the defaults");
  assert.deepEqual(carryOverRejected(prev, next), ["widget widget"]);
  assert.equal(next.objectsOf("widget")[0]?.["colour"], "blue");
});

test("object types: registering a type Asterisk has but Switchboard listed as not implemented loads it instead of warning", () => {
  const aliasOptions = [str("domain", "", "Domain the alias stands for.")] as const;
  const aliasSchema: ObjectSchema<typeof aliasOptions> = { type: "domain_alias", synopsis: "Test-only domain alias.", options: aliasOptions };
  assert.ok(UNIMPLEMENTED_PJSIP_TYPES.includes("domain_alias"));
  const cfg = load("[example.org]\ntype=domain_alias\ndomain=provider.example\n", PJSIP_OBJECT_TYPES.with(pjsipObjectType({ schema: aliasSchema, storage: "keyed" })));
  assert.deepEqual(lines(cfg), []);
  assert.equal(cfg.byType.get("domain_alias")?.get("example.org")?.["domain"], "provider.example");
});

test("object types: a type or typed field registered twice is a programming error; register returns the removal", () => {
  const types = new PjsipObjectTypes(PJSIP_OBJECT_TYPES.list());
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (e) {
      return e instanceof PbxError ? e.code : "not a PbxError";
    }
    return undefined;
  };
  assert.equal(code(() => types.register(pjsipObjectType({ schema: endpointSchema, storage: "keyed" }))), "INVALID_ARGUMENT");
  const shadow: ObjectSchema<typeof widgetOptions> = { ...widgetSchema, type: "other_widget" };
  assert.equal(code(() => types.register({ ...pjsipObjectType({ schema: shadow, storage: "keyed" }), field: "endpoints" })), "INVALID_ARGUMENT");
  const unregister = types.register(pjsipObjectType({ schema: widgetSchema, storage: "keyed" }));
  assert.equal(types.get("widget")?.type, "widget");
  unregister();
  assert.equal(types.get("widget"), undefined);
  assert.equal(code(() => load("", new PjsipObjectTypes([]))), "INVALID_ARGUMENT", "a set without the types behind the typed fields cannot build a result");
});

test("object types: a descriptor's field must have the type its schema and storage give", () => {
  // The type-check step fails when these stop being errors.
  // @ts-expect-error an aor kept by id does not land in the endpoints field
  const wrongField = pjsipObjectType({ schema: aorSchema, storage: "keyed", field: "endpoints" });
  // @ts-expect-error transports are a list in file order, not a map by id
  const wrongStorage = pjsipObjectType({ schema: transportSchema, storage: "keyed", field: "transports" });
  assert.deepEqual([wrongField.field, wrongStorage.storage], ["endpoints", "keyed"]);
});

test("object types: every pjsip.conf object type a module declares in configFiles is a registered type", () => {
  const declared: string[] = [];
  const scan = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) scan(path);
      else if (e.name.endsWith(".ts")) {
        for (const m of readFileSync(path, "utf8").matchAll(/file:\s*"pjsip\.conf",\s*objectTypes:\s*\[([^\]]*)\]/g)) {
          for (const t of (m[1] ?? "").matchAll(/"([^"]+)"/g)) declared.push(t[1] ?? "");
        }
      }
    }
  };
  scan(join(ROOT, "src"));
  assert.ok(declared.length >= 5, `found the modules' declarations (${declared.join(", ")})`);
  const unknown = declared.filter((t) => PJSIP_OBJECT_TYPES.get(t) === undefined);
  assert.deepEqual(unknown, [], "declared pjsip.conf object types without a descriptor");
});
