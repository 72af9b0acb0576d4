import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate } from "node:crypto";
import { caProblem } from "../../../src/media/dtls/dtls-association.js";

let dir = "";
const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });

before(() => {
  dir = mkdtempSync(join(tmpdir(), "sw-dtls-ca-"));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  ssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Test CA");
  ssl("req", "-x509", ...ec, "-keyout", "other.key", "-out", "other.pem", "-days", "2", "-subj", "/CN=Other CA");
  ssl("req", ...ec, "-keyout", "phone.key", "-out", "phone.csr", "-subj", "/CN=phone");
  writeFileSync(join(dir, "ext.cnf"), "basicConstraints=CA:FALSE\n");
  ssl("x509", "-req", "-in", "phone.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "phone.pem", "-days", "1", "-extfile", "ext.cnf");
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const der = (file: string) => new X509Certificate(readFileSync(join(dir, file))).raw;
const pem = (file: string) => readFileSync(join(dir, file), "utf8");

test("dtls ca: a certificate issued by a trusted CA passes dtls_verify=certificate; another CA's, a self-signed one, or no CA at all do not", () => {
  assert.equal(caProblem(der("phone.pem"), pem("ca.pem")), undefined);
  assert.equal(caProblem(der("phone.pem"), pem("other.pem") + pem("ca.pem")), undefined, "any CA of the bundle");
  assert.match(caProblem(der("phone.pem"), pem("other.pem")) ?? "", /issued by CN=Test CA, which none of the 1 trusted CA certificate signed/);
  assert.match(caProblem(der("other.pem"), pem("ca.pem")) ?? "", /issued by CN=Other CA/);
  assert.match(caProblem(der("phone.pem"), "") ?? "", /none of the 0 trusted CA certificates/);
  assert.match(caProblem(der("phone.pem"), pem("ca.pem"), new Date(Date.now() + 10 * 86_400_000)) ?? "", /it is valid from .* to /, "expired");
});
