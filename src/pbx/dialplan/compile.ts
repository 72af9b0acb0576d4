/**
 * Compiles extensions.conf (already split into categories by the config layer) into a
 * {@link Dialplan}. Every user mistake becomes a diagnostic naming the file and line; a bad line is
 * skipped and the rest still loads, as Asterisk's pbx_config does.
 */
import { DiagnosticSink, type Diagnostic } from "../../config/diagnostic.js";
import type { ConfigCategory, ConfigVariable, ParsedConfig } from "../../config/ini/types.js";
import { parseConfigText } from "../../config/ini/parser.js";
import { compareExtensionNames, compilePattern, type ExtensionPattern } from "./pattern.js";
import type { Dialplan, DialplanContext, DialplanGeneral, DialplanHint, DialplanInclude, DialplanPriority } from "./types.js";

export interface CompileDialplanOptions {
  /** Answers whether an application exists, so unknown ones are reported at load time. */
  isKnownApp?: (name: string) => boolean;
}

export interface CompiledDialplan {
  dialplan: Dialplan;
  diagnostics: Diagnostic[];
}

interface MutableExtension {
  name: string;
  pattern?: ExtensionPattern;
  cidMatch?: string;
  cidPattern?: ExtensionPattern;
  priorities: DialplanPriority[];
  hint?: DialplanHint;
  file: string;
  line: number;
}

interface MutableContext {
  name: string;
  file: string;
  line: number;
  extensions: Map<string, MutableExtension>;
  includes: DialplanInclude[];
  ignorePatterns: string[];
}

/** Per-category state that `n`, `s` and `same =>` refer back to. */
interface LineState {
  lastPriority: number | undefined;
  lastExten: string | undefined;
}

const GENERAL_OPTIONS = new Set(["static", "writeprotect", "autofallthrough", "clearglobalvars", "extenpatternmatchnew", "userscontext", "priorityjumping"]);
const TRUE_WORDS = new Set(["yes", "true", "y", "t", "1", "on"]);

/** Finds the first `sep` outside `[...]`, so `_[1,2]X,1,…` keeps its set together. */
function indexOutsideBrackets(text: string, sep: string, from = 0): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "[") depth++;
    else if (c === "]" && depth > 0) depth--;
    else if (c === sep && depth === 0) return i;
  }
  return -1;
}

/** Splits `App(args)` (or the old `App,args` form) into name and raw data. */
function parseApplication(text: string, file: string, line: number, sink: DiagnosticSink): { app: string; data: string } | undefined {
  const open = text.indexOf("(");
  const comma = text.indexOf(",");
  let app: string;
  let data: string;
  if (open >= 0 && (comma < 0 || open < comma)) {
    app = text.slice(0, open).trim();
    const close = text.lastIndexOf(")");
    if (close < open) {
      sink.warning(file, line, `Can't find trailing parenthesis for ${app} at line ${line} of ${file}; using the rest of the line as its arguments`);
      data = text.slice(open + 1);
    } else {
      data = text.slice(open + 1, close);
    }
  } else if (comma >= 0) {
    app = text.slice(0, comma).trim();
    data = text.slice(comma + 1);
  } else {
    app = text.trim();
    data = "";
  }
  if (app.length === 0) {
    sink.error(file, line, `No application given at line ${line} of ${file}; write e.g. 'exten => 100,1,NoOp()'`);
    return undefined;
  }
  if (!/^[A-Za-z0-9_]+$/.test(app)) {
    sink.error(file, line, `Application name '${app}' at line ${line} of ${file} is not valid; names are letters, digits and '_'`);
    return undefined;
  }
  return { app, data };
}

/** Resolves `1`, `n`, `next`, `s`, `same`, optional `(label)` and `+N`; undefined after a diagnostic. */
function parsePriority(
  raw: string,
  state: LineState,
  file: string,
  line: number,
  sink: DiagnosticSink,
): { priority: number; label?: string } | undefined {
  let text = raw.trim();
  let label: string | undefined;
  const open = text.indexOf("(");
  if (open >= 0) {
    const close = text.indexOf(")", open);
    if (close < 0) {
      sink.error(file, line, `Invalid priority/label '${raw}' at line ${line} of ${file}: missing ')' after the label`);
      return undefined;
    }
    label = text.slice(open + 1, close).trim();
    text = (text.slice(0, open) + text.slice(close + 1)).trim();
    if (label.length === 0) label = undefined;
  }
  let offset = 0;
  const plus = text.indexOf("+");
  if (plus > 0) {
    const n = Number(text.slice(plus + 1));
    if (!Number.isInteger(n)) {
      sink.error(file, line, `Invalid priority offset '${raw}' at line ${line} of ${file}`);
      return undefined;
    }
    offset = n;
    text = text.slice(0, plus).trim();
  }
  let base: number;
  const lower = text.toLowerCase();
  if (lower === "n" || lower === "next") {
    if (state.lastPriority === undefined) {
      sink.error(file, line, `Can't use 'next' priority on the first entry at line ${line} of ${file}!`);
      return undefined;
    }
    base = state.lastPriority + 1;
  } else if (lower === "s" || lower === "same") {
    if (state.lastPriority === undefined) {
      sink.error(file, line, `Can't use 'same' priority on the first entry at line ${line} of ${file}!`);
      return undefined;
    }
    base = state.lastPriority;
  } else if (/^\d+$/.test(text) && Number(text) >= 1) {
    base = Number(text);
  } else {
    sink.error(file, line, `Invalid priority/label '${raw}' at line ${line} of ${file}; priorities are numbers from 1, 'n' or 'same'`);
    return undefined;
  }
  const priority = base + offset;
  return label === undefined ? { priority } : { priority, label };
}

class DialplanCompiler {
  readonly sink = new DiagnosticSink();
  readonly contexts = new Map<string, MutableContext>();
  readonly globals = new Map<string, string>();
  general: DialplanGeneral = { autofallthrough: true, clearglobalvars: false };

  constructor(private readonly opts: CompileDialplanOptions) {}

  category(cat: ConfigCategory): void {
    const lower = cat.name.toLowerCase();
    if (lower === "general") return this.generalSection(cat);
    if (lower === "globals") {
      for (const v of cat.variables) this.globals.set(v.name, v.value);
      return;
    }
    let ctx = this.contexts.get(cat.name);
    if (ctx === undefined) {
      ctx = { name: cat.name, file: cat.file, line: cat.line, extensions: new Map(), includes: [], ignorePatterns: [] };
      this.contexts.set(cat.name, ctx);
    }
    const state: LineState = { lastPriority: undefined, lastExten: undefined };
    for (const v of cat.variables) this.contextLine(ctx, v, state);
  }

  private generalSection(cat: ConfigCategory): void {
    let { autofallthrough, clearglobalvars } = this.general;
    for (const v of cat.variables) {
      const name = v.name.toLowerCase();
      if (!GENERAL_OPTIONS.has(name)) {
        this.sink.warning(v.file, v.line, `Unknown option '${v.name}' in [general] of ${v.file}; known: ${[...GENERAL_OPTIONS].join(", ")}`);
      } else if (name === "autofallthrough") {
        autofallthrough = TRUE_WORDS.has(v.value.trim().toLowerCase());
      } else if (name === "clearglobalvars") {
        clearglobalvars = TRUE_WORDS.has(v.value.trim().toLowerCase());
      }
    }
    this.general = { autofallthrough, clearglobalvars };
  }

  private contextLine(ctx: MutableContext, v: ConfigVariable, state: LineState): void {
    const name = v.name.toLowerCase();
    const value = v.value.trim();
    switch (name) {
      case "exten":
        return this.extenLine(ctx, v, value, state);
      case "same": {
        if (state.lastExten === undefined) {
          this.sink.error(v.file, v.line, `No previous pattern in the first entry of context '${ctx.name}' to match '${value}' (line ${v.line} of ${v.file})`);
          return;
        }
        return this.extenLine(ctx, v, `${state.lastExten},${value}`, state);
      }
      case "include": {
        const [target = "", ...timing] = value.split(",");
        if (target.trim().length === 0) {
          this.sink.error(v.file, v.line, `include => needs a context name at line ${v.line} of ${v.file}`);
          return;
        }
        const inc: DialplanInclude = timing.length > 0
          ? { context: target.trim(), timing: timing.join(","), file: v.file, line: v.line }
          : { context: target.trim(), file: v.file, line: v.line };
        if (timing.length > 0) {
          this.sink.warning(v.file, v.line, `Time restriction '${timing.join(",")}' on include of '${target.trim()}' at line ${v.line} is not enforced yet; the include always applies`);
        }
        ctx.includes.push(inc);
        return;
      }
      case "ignorepat":
        ctx.ignorePatterns.push(value);
        return;
      case "switch":
      case "eswitch":
      case "lswitch":
        this.sink.warning(v.file, v.line, `'${v.name} => ${value}' at line ${v.line} of ${v.file} is not supported by Switchboard and is ignored`);
        return;
      default:
        this.sink.warning(v.file, v.line, `Unknown directive '${v.name}' at line ${v.line} of ${v.file} -- IGNORING! (use exten, same, include or ignorepat)`);
    }
  }

  private extenLine(ctx: MutableContext, v: ConfigVariable, value: string, state: LineState): void {
    const c1 = indexOutsideBrackets(value, ",");
    if (c1 < 0) {
      this.sink.error(v.file, v.line, `Extension line at line ${v.line} of ${v.file} needs 'extension,priority,Application(args)'`);
      return;
    }
    const nameField = value.slice(0, c1).trim();
    const c2 = value.indexOf(",", c1 + 1);
    const priField = (c2 < 0 ? value.slice(c1 + 1) : value.slice(c1 + 1, c2)).trim();
    const appField = c2 < 0 ? "" : value.slice(c2 + 1).trim();
    const slash = nameField.indexOf("/");
    const extName = (slash >= 0 ? nameField.slice(0, slash) : nameField).trim();
    const cid = slash >= 0 ? nameField.slice(slash + 1).trim() : undefined;
    if (extName.length === 0) {
      this.sink.error(v.file, v.line, `Missing extension name at line ${v.line} of ${v.file}`);
      return;
    }
    if (priField.toLowerCase() === "hint") {
      const ext = this.extension(ctx, extName, cid, v);
      if (ext === undefined) return;
      state.lastExten = nameField;
      if (ext.hint !== undefined) this.sink.warning(v.file, v.line, `Extension '${extName}' in '${ctx.name}' already has a hint (line ${ext.hint.line}); replaced at line ${v.line}`);
      ext.hint = { devices: appField, file: v.file, line: v.line };
      return;
    }
    const pri = parsePriority(priField, state, v.file, v.line, this.sink);
    if (pri === undefined) return;
    if (c2 < 0 || appField.length === 0) {
      this.sink.error(v.file, v.line, `No application given at line ${v.line} of ${v.file}; write e.g. 'exten => ${extName},${priField},NoOp()'`);
      return;
    }
    const app = parseApplication(appField, v.file, v.line, this.sink);
    if (app === undefined) return;
    const ext = this.extension(ctx, extName, cid, v);
    if (ext === undefined) return;
    state.lastExten = nameField;
    state.lastPriority = pri.priority;
    if (ext.priorities.some((p) => p.priority === pri.priority)) {
      this.sink.warning(v.file, v.line, `Unable to register extension '${extName}' priority ${pri.priority} in '${ctx.name}', already in use (line ${v.line} of ${v.file})`);
      return;
    }
    if (pri.label !== undefined && ext.priorities.some((p) => p.label === pri.label)) {
      this.sink.warning(v.file, v.line, `Label '${pri.label}' is used twice in extension '${extName}' of '${ctx.name}' (line ${v.line}); Goto will use the first`);
    }
    if (this.opts.isKnownApp !== undefined && !this.opts.isKnownApp(app.app)) {
      this.sink.warning(v.file, v.line, `Application '${app.app}' at line ${v.line} of ${v.file} does not exist; calls reaching ${extName}@${ctx.name}:${pri.priority} will hang up`);
    }
    const entry: DialplanPriority = {
      priority: pri.priority,
      ...(pri.label !== undefined ? { label: pri.label } : {}),
      app: app.app,
      appData: app.data,
      file: v.file,
      line: v.line,
    };
    ext.priorities.push(entry);
    ext.priorities.sort((a, b) => a.priority - b.priority);
  }

  private extension(ctx: MutableContext, name: string, cid: string | undefined, v: ConfigVariable): MutableExtension | undefined {
    const key = cid === undefined ? name : `${name}/${cid}`;
    const existing = ctx.extensions.get(key);
    if (existing !== undefined) return existing;
    const ext: MutableExtension = { name, priorities: [], file: v.file, line: v.line };
    if (name.startsWith("_")) {
      const body = name.slice(1);
      if (body.length === 0) {
        this.sink.error(v.file, v.line, `Empty pattern '_' at line ${v.line} of ${v.file}`);
        return undefined;
      }
      if (body === "." || body === "!") {
        this.sink.warning(v.file, v.line, `The use of '_${body}' for an extension is strongly discouraged and can have unexpected behavior.  Please use '_X${body}' instead at line ${v.line} of ${v.file}`);
      }
      const compiled = compilePattern(body);
      for (const p of compiled.problems) this.sink.warning(v.file, v.line, `${p} (line ${v.line} of ${v.file})`);
      ext.pattern = compiled.pattern;
    }
    if (cid !== undefined) {
      ext.cidMatch = cid;
      if (cid.startsWith("_")) ext.cidPattern = compilePattern(cid.slice(1)).pattern;
    }
    ctx.extensions.set(key, ext);
    return ext;
  }

  result(): Dialplan {
    const contexts = new Map<string, DialplanContext>();
    for (const ctx of this.contexts.values()) {
      const extensions = [...ctx.extensions.values()].sort((a, b) => {
        const d = compareExtensionNames(a, b);
        if (d !== 0) return d;
        // Caller-ID-specific variants are tried before the general one.
        if (a.cidMatch !== undefined && b.cidMatch === undefined) return -1;
        if (b.cidMatch !== undefined && a.cidMatch === undefined) return 1;
        return 0;
      });
      for (const inc of ctx.includes) {
        if (!this.contexts.has(inc.context)) {
          this.sink.warning(inc.file, inc.line, `Context '${ctx.name}' includes '${inc.context}', which does not exist (line ${inc.line} of ${inc.file})`);
        }
      }
      contexts.set(ctx.name, { name: ctx.name, file: ctx.file, line: ctx.line, extensions, includes: ctx.includes, ignorePatterns: ctx.ignorePatterns });
    }
    return { contexts, globals: this.globals, general: this.general };
  }
}

/** Builds the dialplan from a parsed extensions.conf; never throws on user mistakes. */
export function compileDialplan(parsed: ParsedConfig, opts: CompileDialplanOptions = {}): CompiledDialplan {
  const compiler = new DialplanCompiler(opts);
  for (const cat of parsed.categories) {
    if (!cat.template) compiler.category(cat);
  }
  const dialplan = compiler.result();
  return { dialplan, diagnostics: compiler.sink.items };
}

/**
 * extensions.conf with dialplan text features make from their own configuration (the parking
 * lots' extensions) after it, as one parse: contexts of the same name merge, as Asterisk's do.
 */
export function withGenerated(parsed: ParsedConfig, generated: readonly string[]): ParsedConfig {
  const extra = generated.filter((t) => t.length > 0).map((t) => parseConfigText(t, "(made by Switchboard)"));
  return extra.length === 0 ? parsed : { ...parsed, categories: [...parsed.categories, ...extra.flatMap((g) => g.categories)] };
}
