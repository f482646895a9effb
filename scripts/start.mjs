#!/usr/bin/env node
// `npm start`: builds the app and serves it on http://127.0.0.1:5173, opening a browser when this
// machine has one to open (a desktop session); on a headless machine it just prints the address.
import { spawn, spawnSync } from 'node:child_process';

const url = 'http://127.0.0.1:5173/';
const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', '5173', '--strictPort'], { stdio: 'inherit' });
server.on('exit', (code) => process.exit(code ?? 0));
const hasDisplay = !!(process.env.DISPLAY || process.env.WAYLAND_DISPLAY) || process.platform === 'darwin' || process.platform === 'win32';
if (hasDisplay) {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'start' : 'xdg-open';
  setTimeout(() => spawn(opener, [url], { stdio: 'ignore', detached: true, shell: process.platform === 'win32' }).on('error', () => {}).unref(), 1500);
} else {
  console.log(`TinyTrain Studio: open ${url} in your browser.`);
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => server.kill(sig));
