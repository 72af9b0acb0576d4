/**
 * Finds where the typed values of configuration objects are read, with the TypeScript checker
 * rather than by text: `.password` of an auth and `.password` of a TLS transport are different
 * options, and `o.fromUser` of a request builder is not the endpoint's `from_user`. A read is a
 * property access (or destructuring) whose property symbol is the one the schema's values type
 * declares, followed through `Pick`/`Readonly` and through hand-offs: when a config object is
 * passed where another interface is expected (`new NftMirror({ settings: () => config.guard })`),
 * that interface's same-named properties count as the option too.
 */
import ts from "typescript";
import { relative } from "node:path";

export interface ValuesType {
  /** Label used in the result keys, e.g. `endpoint` → `endpoint.fromDomain`. */
  readonly label: string;
  /** Repository-relative file that exports the type. */
  readonly file: string;
  /** Exported type alias or interface, e.g. `EndpointValues`. */
  readonly typeName: string;
}

export interface OptionReads {
  /** `label.key` → repository-relative files that read it. */
  readonly reads: ReadonlyMap<string, ReadonlySet<string>>;
  /** `label` → the property names its values type declares. */
  readonly keys: ReadonlyMap<string, readonly string[]>;
}

/** Homomorphic mapped types (`Pick`, `Readonly`, `Partial`) copy a property into a new symbol. */
function origin(sym: ts.Symbol): ts.Symbol {
  let s = sym;
  for (let i = 0; i < 10; i++) {
    const next = (s as ts.Symbol & { links?: { syntheticOrigin?: ts.Symbol } }).links?.syntheticOrigin;
    if (next === undefined) break;
    s = next;
  }
  return s;
}

function isWriteTarget(node: ts.Node): boolean {
  const p = node.parent;
  return ts.isBinaryExpression(p) && p.left === node && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
}

/**
 * Reads of the properties of `types` in the program of `tsconfigPath`, in the source files that
 * `consider` accepts (absolute paths). Files `consider` rejects still pass hand-offs on.
 */
export function findOptionReads(root: string, tsconfigPath: string, types: readonly ValuesType[], consider: (relPath: string) => boolean): OptionReads {
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (parsed === undefined) throw new Error(`cannot read ${tsconfigPath}`);
  const srcFiles = parsed.fileNames.filter((f) => relative(root, f).startsWith("src/"));
  const program = ts.createProgram(srcFiles, parsed.options);
  const checker = program.getTypeChecker();

  const owner = new Map<ts.Symbol, string>();
  const keys = new Map<string, string[]>();
  for (const t of types) {
    const sf = program.getSourceFile(`${root}/${t.file}`);
    const mod = sf === undefined ? undefined : checker.getSymbolAtLocation(sf);
    const alias = mod === undefined ? undefined : checker.getExportsOfModule(mod).find((s) => s.name === t.typeName);
    if (alias === undefined) throw new Error(`${t.file} does not export ${t.typeName}`);
    const props = checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(alias));
    keys.set(t.label, props.map((p) => p.name));
    for (const p of props) owner.set(origin(p), `${t.label}.${p.name}`);
  }
  const ownerOf = (sym: ts.Symbol | undefined): string | undefined => (sym === undefined ? undefined : owner.get(origin(sym)));

  const files = program.getSourceFiles().filter((sf) => relative(root, sf.fileName).startsWith("src/") && !sf.isDeclarationFile);
  const walk = (sf: ts.SourceFile, visit: (node: ts.Node) => void): void => {
    const go = (node: ts.Node): void => {
      visit(node);
      ts.forEachChild(node, go);
    };
    go(sf);
  };

  // Hand-offs, repeated until nothing new is learned (a config object passed on twice).
  for (let pass = 0; pass < 5; pass++) {
    let learned = false;
    for (const sf of files) {
      walk(sf, (node) => {
        if (!ts.isIdentifier(node) && !ts.isPropertyAccessExpression(node) && !ts.isCallExpression(node)) return;
        if (ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) return;
        const contextual = checker.getContextualType(node);
        if (contextual === undefined) return;
        const actual = checker.getTypeAtLocation(node);
        if (actual === contextual) return;
        const target = checker.getNonNullableType(contextual);
        for (const p of checker.getPropertiesOfType(target)) {
          if (ownerOf(p) !== undefined) continue;
          const from = ownerOf(checker.getPropertyOfType(checker.getNonNullableType(actual), p.name));
          if (from === undefined) continue;
          owner.set(origin(p), from);
          learned = true;
        }
      });
    }
    if (!learned) break;
  }

  const reads = new Map<string, Set<string>>();
  const note = (key: string | undefined, file: string): void => {
    if (key === undefined) return;
    const set = reads.get(key) ?? new Set<string>();
    set.add(file);
    reads.set(key, set);
  };
  for (const sf of files) {
    const rel = relative(root, sf.fileName);
    if (!consider(rel)) continue;
    walk(sf, (node) => {
      if (ts.isPropertyAccessExpression(node) && !isWriteTarget(node)) note(ownerOf(checker.getSymbolAtLocation(node.name)), rel);
      else if (ts.isElementAccessExpression(node) && ts.isStringLiteral(node.argumentExpression) && !isWriteTarget(node)) {
        note(ownerOf(checker.getSymbolAtLocation(node.argumentExpression)), rel);
      } else if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
        const name = (node.propertyName ?? node.name).getText(sf);
        note(ownerOf(checker.getTypeAtLocation(node.parent).getProperty(name)), rel);
      }
    });
  }
  return { reads, keys };
}
