// Builds the npm package's dist/ from the one source, src/Herald/Browser/herald.js (the file the hub serves at
// /herald.js), so the package cannot drift from it. Runs as `prepack`; plain Node, no dependencies.
//
//   dist/herald.js         ES module: the source verbatim inside a function that gives it a private `module` (its
//                          UMD header then fills that instead of window.Herald), plus an export for each member
//   dist/herald.global.js  the source byte for byte: the classic <script> that sets window.Herald
//   dist/herald.d.ts       the declarations, copied from herald.d.ts beside this file
//   dist/LICENSE           the repository's license
//
// HERALD_REPO names the repository root (default ../..): the tests build from a copy of this folder in a temp dir.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const here = dirname(fileURLToPath(import.meta.url));
const repo = process.env.HERALD_REPO || join(here, '..', '..');
const sourcePath = join(repo, 'src', 'Herald', 'Browser', 'herald.js');
const source = readFileSync(sourcePath, 'utf8');

// Which names to export: whatever the source's factory returns (today `subscribe`), read by running it once in an empty
// context, so a function added to herald.js is exported without editing this script.
const sandbox = { module: { exports: {} } };
vm.runInNewContext(source, sandbox, { filename: sourcePath });
const names = Object.keys(sandbox.module.exports);
if (names.length === 0 || !names.every((name) => /^[A-Za-z_$][\w$]*$/.test(name) && typeof sandbox.module.exports[name] === 'function')) {
  throw new Error(`build.mjs: ${sourcePath} should set module.exports to an object of functions; it exported [${names.join(', ')}]`);
}

const esm = [
  '// Generated from src/Herald/Browser/herald.js by clients/npm/build.mjs: edit that file, not this one.',
  'const Herald = (function () {',
  '  var module = { exports: {} };',
  source.trimEnd(),
  '  return module.exports;',
  '})();',
  '',
  ...names.map((name) => `export const ${name} = Herald.${name};`),
  'export { Herald };',
  'export default Herald;',
  '',
].join('\n');

const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
writeFileSync(join(dist, 'herald.js'), esm);
writeFileSync(join(dist, 'herald.global.js'), source);
writeFileSync(join(dist, 'herald.d.ts'), readFileSync(join(here, 'herald.d.ts'), 'utf8'));
writeFileSync(join(dist, 'LICENSE'), readFileSync(join(repo, 'LICENSE'), 'utf8'));
console.log(`build.mjs: dist/ from ${sourcePath}, exports: ${names.join(', ')}, Herald, default`);
