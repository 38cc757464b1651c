// Writes src/version.ts from package.json, the single source of the version.
import { readFileSync, writeFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)));
const text = `// Generated from package.json by scripts/write-version.mjs: do not edit.\nexport const VERSION = '${version}';\n`;
const target = new URL('../src/version.ts', import.meta.url);
let current = '';
try {
  current = readFileSync(target, 'utf8');
} catch {
  // first build
}
if (current !== text) {
  writeFileSync(target, text);
}
