#!/usr/bin/env node
// Makes sure the system tools the tests need are installed (Chromium for the e2e tests, the Arm
// toolchain and QEMU for the exported firmware, a host C compiler, clang and lld for the WebAssembly
// build of the C kernels, the Fashion-MNIST files).
// As root with apt-get: installs what is missing. Otherwise prints the apt-get command and exits
// non-zero when CI is set (in CI a test that needs a tool fails, never skips), 0 with a warning
// otherwise. No dependencies; when everything is present it only looks at the file system.
import { spawnSync } from 'node:child_process';
import { SYSTEM_TOOLS, findTool, isCI, which } from './system-tools.mjs';

const names = Object.keys(SYSTEM_TOOLS);

function check(verb) {
  const missing = [];
  for (const name of names) {
    const where = findTool(name);
    if (where) {
      if (verb) console.log(`${verb.padEnd(9)} ${name.padEnd(20)} ${where}`);
    } else {
      missing.push(name);
    }
  }
  return missing;
}

function packagesFor(missing) {
  return [...new Set(missing.map((n) => SYSTEM_TOOLS[n].pkg))];
}

function run(cmd, args) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return r.status === 0;
}

function giveUp(missing, why) {
  const pkgs = packagesFor(missing);
  const msg =
    `${why}\nMissing: ${missing.join(', ')}.\n` +
    `Install them with:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (isCI()) {
    console.error(`error: ${msg}`);
    process.exit(1);
  }
  console.warn(`warning: ${msg}\nTests that need these tools will be skipped (they fail when CI is set).`);
  process.exit(0);
}

let missing = check('found');
if (missing.length === 0) process.exit(0);

for (const name of missing) console.log(`missing   ${name.padEnd(20)} (apt package ${SYSTEM_TOOLS[name].pkg})`);

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot || !which('apt-get')) {
  giveUp(missing, isRoot ? 'apt-get is not available.' : 'Not root, so not installing system packages.');
}

const pkgs = packagesFor(missing);
const ok =
  run('apt-get', ['update']) &&
  run('apt-get', ['install', '-y', '--no-install-recommends', '-o', 'Dpkg::Use-Pty=0', ...pkgs]);
if (!ok) giveUp(missing, 'apt-get failed.');

const before = new Set(missing);
missing = names.filter((n) => !findTool(n));
for (const name of before) {
  if (!missing.includes(name)) console.log(`installed ${name.padEnd(20)} ${findTool(name)}`);
}
if (missing.length > 0) giveUp(missing, 'Still missing after apt-get install.');
