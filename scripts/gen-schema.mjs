// Writes src/schema.d.ts, the TypeScript payload types, from mgit_lab/server/openapi.yaml
// (itself generated from mgit_lab/core/schema.py).  `--check` writes nothing and exits 1
// when the checked-in file is stale: `jlpm lint` (so `make test`) runs it that way.
import { readFileSync, writeFileSync } from 'node:fs';
import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

const spec = new URL('../mgit_lab/server/openapi.yaml', import.meta.url);
const target = new URL('../src/schema.d.ts', import.meta.url);
const header =
  '// GENERATED from mgit_lab/server/openapi.yaml by scripts/gen-schema.mjs (`jlpm gen:schema`):\n' +
  '// do not edit.  The names the panel uses are re-exported from src/tokens.ts.\n\n';

const ast = await openapiTS(spec, { alphabetize: true });
const options = (await prettier.resolveConfig(target.pathname)) ?? {};
const text = await prettier.format(header + astToString(ast), { ...options, parser: 'typescript' });

let current = '';
try {
  current = readFileSync(target, 'utf8');
} catch {
  // not generated yet
}
if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(
      'src/schema.d.ts is stale: it does not match mgit_lab/server/openapi.yaml. Run `jlpm gen:schema` and commit it.'
    );
    process.exit(1);
  }
  console.log('src/schema.d.ts matches mgit_lab/server/openapi.yaml');
} else if (current !== text) {
  writeFileSync(target, text);
  console.log('wrote src/schema.d.ts');
}
