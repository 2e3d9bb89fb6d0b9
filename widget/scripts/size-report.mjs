#!/usr/bin/env node
/**
 * Gzip every build output, print sizes, write size-report.json into the output
 * folder and fail (exit 1) when a budget is exceeded:
 *   loader (widget.js)                          <= 5 KB gzip
 *   iframe app (frame.html + all its JS and CSS) <= 30 KB gzip
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const KB = 1024;
const BUDGET = { loader: 5 * KB, frame: 30 * KB };
const outDir = process.argv[2] ?? fileURLToPath(new URL('../../src/otklik/static/widget', import.meta.url));

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(outDir)
  .map((p) => relative(outDir, p).split('\\').join('/'))
  .filter((f) => f !== 'size-report.json' && !f.endsWith('.map') && !f.endsWith('.gz') && !f.endsWith('.br'))
  .sort()
  .map((file) => {
    const buf = readFileSync(join(outDir, file));
    return { file, bytes: buf.length, gzip: gzipSync(buf, { level: 9 }).length };
  });

if (!files.some((f) => f.file === 'widget.js') || !files.some((f) => f.file === 'frame.html')) {
  console.error(`size-report: widget.js or frame.html missing in ${outDir}`);
  process.exit(1);
}

const sum = (list, key) => list.reduce((n, f) => n + f[key], 0);
const loaderFiles = files.filter((f) => f.file === 'widget.js');
const frameFiles = files.filter((f) => f.file !== 'widget.js');
const groups = {
  loader: { files: loaderFiles.map((f) => f.file), bytes: sum(loaderFiles, 'bytes'), gzip: sum(loaderFiles, 'gzip'), budget_gzip: BUDGET.loader },
  frame: { files: frameFiles.map((f) => f.file), bytes: sum(frameFiles, 'bytes'), gzip: sum(frameFiles, 'gzip'), budget_gzip: BUDGET.frame },
};
for (const g of Object.values(groups)) g.ok = g.gzip <= g.budget_gzip;
const ok = Object.values(groups).every((g) => g.ok);

writeFileSync(
  join(outDir, 'size-report.json'),
  JSON.stringify({ generated_at: new Date().toISOString(), ok, files, ...groups }, null, 2) + '\n',
);

const fmt = (n) => `${(n / KB).toFixed(2)} KB`.padStart(10);
console.log('\nOtklik widget sizes (gzip -9):');
for (const f of files) console.log(`  ${f.file.padEnd(36)} ${fmt(f.bytes)} raw ${fmt(f.gzip)} gzip`);
for (const [name, g] of Object.entries(groups)) {
  console.log(`  ${(name + ' total').padEnd(36)} ${fmt(g.bytes)} raw ${fmt(g.gzip)} gzip  budget ${fmt(g.budget_gzip).trim()}  ${g.ok ? 'OK' : 'OVER BUDGET'}`);
}
if (!ok) {
  console.error('size-report: over budget');
  process.exit(1);
}
