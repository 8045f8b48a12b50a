// Every public export (of 'adtn' and 'adtn/node') has a doc comment, and every exported function
// and class shows a short example (@example), read with the TypeScript compiler API from the same
// sources `npm run docs` (TypeDoc) builds the reference from.

import { resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const ENTRIES = ['src/index.ts', 'src/node.ts'].map((f) => resolve(ROOT, f));

function publicExports(): { name: string; entry: string; symbol: ts.Symbol; checker: ts.TypeChecker }[] {
  const program = ts.createProgram(ENTRIES, {
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true,
  });
  const checker = program.getTypeChecker();
  return ENTRIES.flatMap((entry) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    return checker.getExportsOfModule(module).map((exported) => ({
      name: exported.name,
      entry: entry.replace(`${ROOT}/`, ''),
      symbol: exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported,
      checker,
    }));
  });
}

function where(symbol: ts.Symbol): string {
  const declaration = symbol.declarations?.[0];
  if (declaration === undefined) return '?';
  const file = declaration.getSourceFile();
  return `${file.fileName.replace(`${ROOT}/`, '')}:${file.getLineAndCharacterOfPosition(declaration.getStart()).line + 1}`;
}

describe('the API reference', () => {
  const exports = publicExports();

  it('documents every public export', () => {
    expect(exports.length).toBeGreaterThan(200);
    const undocumented = exports
      .filter(({ symbol, checker }) => ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() === '')
      .map(({ name, symbol }) => `${name} (${where(symbol)})`);
    expect(undocumented, `exports without a doc comment:\n${undocumented.join('\n')}`).toEqual([]);
  });

  it('shows an example for every exported function and class', () => {
    const withoutExample = exports
      .filter(({ symbol }) => symbol.flags & (ts.SymbolFlags.Function | ts.SymbolFlags.Class))
      .filter(({ symbol, checker }) => !symbol.getJsDocTags(checker).some((tag) => tag.name === 'example'))
      .map(({ name, symbol }) => `${name} (${where(symbol)})`);
    expect(withoutExample, `functions and classes without an @example:\n${withoutExample.join('\n')}`).toEqual([]);
  });
});
