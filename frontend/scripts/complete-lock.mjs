// Adds lock entries for rollup's native packages of *other* platforms when the registry this
// lock was made from lacks them (npm then leaves them out of package-lock.json, and `npm ci`
// refuses the lock: "Missing: @rollup/rollup-…@ from lock file"). The entries carry os/cpu/libc,
// so npm skips them on every machine they do not fit and never downloads them.
// Run after `npm install`: node scripts/complete-lock.mjs
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
const pkgs = lock.packages
const rollup = pkgs['node_modules/rollup']
let added = 0
for (const dep of Object.keys(rollup?.optionalDependencies ?? {})) {
  const key = `node_modules/${dep}`
  if (pkgs[key]) continue
  const [os, cpu, abi] = dep.replace('@rollup/rollup-', '').split('-')
  const entry = { version: rollup.version, cpu: [cpu], dev: true, license: 'MIT', optional: true, os: [os] }
  if (abi && /^(gnu|musl|gnueabihf|musleabihf)$/.test(abi)) entry.libc = [abi.includes('musl') ? 'musl' : 'glibc']
  pkgs[key] = entry
  added++
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n')
console.log(`complete-lock: added ${added} platform entries`)
