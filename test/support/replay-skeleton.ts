/**
 * The inspector's case skeleton, taken at its word: wrapped in a module of
 * the suites' API, type-checked against the harness's sources with the
 * project's compiler settings, then run as a case.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import type { SuiteSpec } from '../../harness/case/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Type errors of the skeleton as a case of `kind` (none: it compiles), and the suite it makes, loaded from the built harness. */
export async function compileSkeleton(skeleton: string, kind: 'emulated' | 'vfio'): Promise<{ errors: string[]; suite?: SuiteSpec }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'msix-harness-test-skeleton-'));
  try {
    const module = (api: string) =>
      [
        `import type { ${kind === 'vfio' ? 'VfioCase' : 'EmulatedCase'} as Case, SuiteSpec } from '${api}';`,
        `const c: Case = ${skeleton.trim().replace(/,$/, '')};`,
        `export const suite: SuiteSpec = { name: 'from-inspector', kind: '${kind}', module: import.meta.url, cases: [c] };`,
        '',
      ].join('\n');
    const file = path.join(dir, 'case.ts');
    fs.writeFileSync(file, module(path.join(ROOT, 'harness/case/index.js')));
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
    const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, strict: true, noEmit: true, skipLibCheck: true, types: ['node'], typeRoots: [path.join(ROOT, 'node_modules/@types')] };
    const program = ts.createProgram([file], options);
    const errors = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    if (errors.length) return { errors };
    const js = ts.transpileModule(module(path.join(ROOT, 'dist/harness/case/index.js')), { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ES2022 } }).outputText;
    fs.writeFileSync(path.join(dir, 'case.js'), js);
    const { suite } = (await import(pathToFileURL(path.join(dir, 'case.js')).href)) as { suite: SuiteSpec };
    return { errors: [], suite };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
