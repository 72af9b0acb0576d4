/**
 * Parser for Asterisk's `.conf` grammar (shared by pjsip.conf, rtp.conf, extensions.conf …).
 *
 * Supported: `[name]`, templates `[name](!)`, inheritance `[name](a,b)` / `[name](!,a)`,
 * appending `[name](+)`, `key = value`, `key => value` (object flag), `key += value`,
 * `;` comments with `\;`, block comments `;-- … --;`, `#include` / `#tryinclude` (with globs),
 * and `#exec` (warned about, never run). User mistakes become diagnostics; nothing is thrown.
 */
import { readFileSync, readdirSync } from "node:fs";
import { posix } from "node:path";
import { DiagnosticSink } from "../diagnostic.js";
import { stripComments, type CommentState } from "./comments.js";
import type { ConfigCategory, ConfigReadOptions, ConfigVariable, ParsedConfig } from "./types.js";

/** Reads a file from disk, or returns undefined when it does not exist. */
export function readFileOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

function listDirOrEmpty(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** One file being read: its name, and the category its lines currently add to. */
interface Frame {
  readonly file: string;
  current: ConfigCategory | undefined;
}

class ConfParser {
  readonly categories: ConfigCategory[] = [];
  readonly files: string[] = [];
  readonly sink = new DiagnosticSink();
  ok = true;
  private readonly stack: string[] = [];
  private readonly readFile: (path: string) => string | undefined;
  private readonly listFiles: (dir: string) => string[];

  constructor(opts: ConfigReadOptions) {
    this.readFile = opts.readFile ?? readFileOrUndefined;
    this.listFiles = opts.listFiles ?? listDirOrEmpty;
  }

  parseFile(file: string, text: string, inherited: ConfigCategory | undefined): void {
    this.files.push(file);
    this.stack.push(file);
    const frame: Frame = { file, current: inherited };
    const comments: CommentState = { depth: 0 };
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i] ?? "";
      const line = stripComments(raw, comments).trim();
      if (line.length > 0) this.parseLine(frame, line, i + 1);
    }
    if (comments.depth > 0) {
      this.sink.warning(file, lines.length, `block comment opened with ';--' is never closed with '--;' in ${file}`);
    }
    this.stack.pop();
  }

  private parseLine(frame: Frame, line: string, lineNo: number): void {
    if (line.startsWith("[")) {
      this.parseHeader(frame, line, lineNo);
    } else if (line.startsWith("#")) {
      this.parseDirective(frame, line, lineNo);
    } else {
      this.parseVariable(frame, line, lineNo);
    }
  }

  private parseHeader(frame: Frame, line: string, lineNo: number): void {
    const close = line.indexOf("]");
    if (close < 0) {
      this.fail(frame.file, lineNo, `parse error: no closing ']', line ${lineNo} of ${frame.file}`);
      return;
    }
    const name = line.slice(1, close).trim();
    const rest = line.slice(close + 1).trim();
    let flags: string[] = [];
    if (rest.length > 0) {
      if (!rest.startsWith("(") || !rest.endsWith(")")) {
        this.fail(frame.file, lineNo, `parse error: expected '(options)' after [${name}], line ${lineNo} of ${frame.file}`);
        return;
      }
      flags = rest
        .slice(1, -1)
        .split(",")
        .map((f) => f.trim())
        .filter((f) => f.length > 0);
    }
    const append = flags.find((f) => f.startsWith("+"));
    if (append !== undefined) {
      const existing = this.findForAppend(name, append.slice(1));
      if (existing === undefined) {
        this.fail(frame.file, lineNo, `Category addition requested, but category '${name}' does not exist, line ${lineNo} of ${frame.file}`);
        // Lines up to the next header still need a home so they do not raise more warnings.
        frame.current = { name, file: frame.file, line: lineNo, template: true, inherits: [], variables: [] };
        return;
      }
      frame.current = existing;
      return;
    }
    const inherits = flags.filter((f) => f !== "!");
    const category: ConfigCategory = {
      name,
      file: frame.file,
      line: lineNo,
      template: flags.includes("!"),
      inherits,
      variables: [],
    };
    for (const base of inherits) {
      const source = this.categories.find((c) => c.name === base);
      if (source === undefined) {
        this.fail(frame.file, lineNo, `Inheritance requested, but category '${base}' does not exist, line ${lineNo} of ${frame.file}`);
        continue;
      }
      for (const v of source.variables) category.variables.push({ ...v, inheritedFrom: base });
    }
    this.categories.push(category);
    frame.current = category;
  }

  /** `(+)` picks the first category of that name; `(+key=value)` the first whose variable matches. */
  private findForAppend(name: string, filter: string): ConfigCategory | undefined {
    const eq = filter.indexOf("=");
    return this.categories.find((c) => {
      if (c.name !== name) return false;
      if (eq < 0) return true;
      const key = filter.slice(0, eq).trim();
      const value = filter.slice(eq + 1).trim();
      return c.variables.some((v) => v.name === key && v.value === value);
    });
  }

  private parseDirective(frame: Frame, line: string, lineNo: number): void {
    const m = /^#\s*([A-Za-z]+)\s*(.*)$/.exec(line);
    const directive = (m?.[1] ?? "").toLowerCase();
    const argument = unquote((m?.[2] ?? "").trim());
    if (directive === "exec" || directive === "tryexec") {
      this.sink.warning(frame.file, lineNo, `#${directive} is not supported; line ${lineNo} of ${frame.file} ignored (Asterisk runs programs only with execincludes=yes)`);
      return;
    }
    if (directive !== "include" && directive !== "tryinclude") {
      this.sink.warning(frame.file, lineNo, `Unknown directive '#${directive}' at line ${lineNo} of ${frame.file}`);
      return;
    }
    const optional = directive === "tryinclude";
    if (argument.length === 0) {
      this.fail(frame.file, lineNo, `#${directive} needs a file name, line ${lineNo} of ${frame.file}`);
      return;
    }
    const target = posix.isAbsolute(argument) ? posix.normalize(argument) : posix.join(posix.dirname(frame.file), argument);
    const targets = /[*?[]/.test(posix.basename(target)) ? this.expandGlob(target) : [target];
    if (targets.length === 0 && !optional) {
      this.fail(frame.file, lineNo, `The file '${argument}' was listed as a #include but it does not exist.`);
    }
    for (const t of targets) this.include(frame, t, argument, optional, lineNo);
  }

  private include(frame: Frame, target: string, argument: string, optional: boolean, lineNo: number): void {
    if (this.stack.includes(target)) {
      const chain = [...this.stack, target].join(" -> ");
      this.fail(frame.file, lineNo, `#include loop: '${target}' is already being read (${chain}); line ${lineNo} of ${frame.file} ignored`);
      return;
    }
    const text = this.readFile(target);
    if (text === undefined) {
      if (!optional) this.fail(frame.file, lineNo, `The file '${argument}' was listed as a #include but it does not exist.`);
      return;
    }
    this.parseFile(target, text, frame.current);
  }

  private expandGlob(target: string): string[] {
    const dir = posix.dirname(target);
    const pattern = globToRegExp(posix.basename(target));
    return this.listFiles(dir)
      .filter((name) => pattern.test(name))
      .sort()
      .map((name) => posix.join(dir, name));
  }

  private parseVariable(frame: Frame, line: string, lineNo: number): void {
    const eq = line.indexOf("=");
    if (eq < 0) {
      this.sink.warning(frame.file, lineNo, `No '=' (equal sign) in line ${lineNo} of ${frame.file}`);
      return;
    }
    const category = frame.current;
    if (category === undefined) {
      this.sink.warning(frame.file, lineNo, `parse error: No category context for line ${lineNo} of ${frame.file}`);
      return;
    }
    const append = eq > 0 && line[eq - 1] === "+";
    const object = line[eq + 1] === ">";
    const name = line.slice(0, append ? eq - 1 : eq).trim();
    const value = line.slice(object ? eq + 2 : eq + 1).trim();
    if (append) {
      const previous = findLast(category.variables, name);
      if (previous !== undefined) {
        previous.value += value;
        return;
      }
    }
    const variable: ConfigVariable = { name, value, file: frame.file, line: lineNo, object };
    category.variables.push(variable);
  }

  private fail(file: string, line: number, message: string): void {
    this.ok = false;
    this.sink.error(file, line, message);
  }
}

function findLast(variables: ConfigVariable[], name: string): ConfigVariable | undefined {
  for (let i = variables.length - 1; i >= 0; i--) {
    const v = variables[i];
    if (v !== undefined && v.name === name) return v;
  }
  return undefined;
}

function unquote(s: string): string {
  if (s.length >= 2 && ((s.startsWith('"') && s.endsWith('"')) || (s.startsWith("<") && s.endsWith(">")))) {
    return s.slice(1, -1).trim();
  }
  return s;
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (const ch of glob) {
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** Parses `.conf` text whose (virtual) file name is `fileName`; includes resolve next to it. */
export function parseConfigText(text: string, fileName: string, opts: ConfigReadOptions = {}): ParsedConfig {
  const parser = new ConfParser(opts);
  parser.parseFile(fileName, text, undefined);
  return { fileName, files: parser.files, categories: parser.categories, diagnostics: parser.sink.items, ok: parser.ok };
}

/** Reads and parses a `.conf` file; a missing file is an error diagnostic, not an exception. */
export function parseConfigFile(path: string, opts: ConfigReadOptions = {}): ParsedConfig {
  const text = (opts.readFile ?? readFileOrUndefined)(path);
  if (text === undefined) {
    const sink = new DiagnosticSink();
    sink.error(path, 0, `The file '${path}' does not exist.`);
    return { fileName: path, files: [], categories: [], diagnostics: sink.items, ok: false };
  }
  return parseConfigText(text, path, opts);
}
