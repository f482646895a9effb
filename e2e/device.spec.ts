// The Device panel against a stand-in serial port: the page's navigator.serial is replaced by a port
// whose bytes go through a WebSocket the test routes to QEMU's mps2-an500 running the project's
// exported firmware built with -DTT_LINK (its UART0 on a TCP port). The panel runs the same protocol
// code as the CLI: HELLO checked against the project, the board's predictions of held-out images
// (the TypeScript runtime's, before training), training images streamed, the board's loss shown,
// its predictions again, its weights loaded into the project.
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test, expect } from './fixtures';
import { exportCProject, syntheticSamples } from '../src/engine/codegen/index.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { modelFromWeights } from '../src/engine/models/weights-file.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { loadDemoDataset } from '../src/engine/data/demo-dataset.ts';
import { sampleSource, splitBySeed } from '../src/engine/data/samples.ts';
import { ArenaExecutor } from '../src/engine/runtime/executor.ts';
import { DEMO_RUN } from '../src/engine/train/demo-run.ts';
import { make, startLinkBoard, writeProject } from '../tests/firmware.ts';
import { requireTool } from '../tests/require-tool.ts';

test.describe.configure({ timeout: 240_000 });

const hasQemu = requireTool('arm-none-eabi-gcc') && requireTool('newlib') && requireTool('qemu-system-arm');
let qemu: ChildProcess | null = null;
let dir = '';
test.afterAll(() => {
  if (qemu?.pid) process.kill(qemu.pid);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('trains the project\'s model on the board over a stand-in serial port, shows its held-out predictions and loads its weights', async ({ page }) => {
  test.skip(!hasQemu, 'needs arm-none-eabi-gcc and qemu-system-arm');
  // The default project: the demo model at 32x32, 10 classes, last-6.
  const model = modelFromWeights(new Uint8Array(readFileSync('public/models/tinytrain-demo.ttw')), { resolution: 32, classes: 10 });
  const program = compileTraining(model.graph, builtinScheme('last-6', backboneConvs(model.graph).length)!);
  dir = writeProject(exportCProject(program, model.params, syntheticSamples(model.graph, 1), { target: 'mps2-an500', steps: 1 }));
  const build = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_LINK' });
  expect(build.status, build.stderr).toBe(0);
  const board = await startLinkBoard(join(dir, 'build/firmware.elf'));
  qemu = board.qemu;
  const port = board.port;

  await page.routeWebSocket('ws://127.0.0.1:9/serial', async (ws) => {
    let sock = connect({ host: '127.0.0.1', port });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => { sock.once('connect', () => r(true)); sock.once('error', () => r(false)); });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
      sock = connect({ host: '127.0.0.1', port });
    }
    sock.on('data', (d) => ws.send(d));
    ws.onMessage((m) => sock.write(typeof m === 'string' ? Buffer.from(m, 'binary') : m));
    ws.onClose(() => sock.destroy());
  });
  await page.addInitScript(() => {
    const requestPort = async () => {
      let ws: WebSocket;
      const port = {
        readable: null as ReadableStream<Uint8Array> | null,
        writable: null as WritableStream<Uint8Array> | null,
        async open() {
          ws = new WebSocket('ws://127.0.0.1:9/serial');
          ws.binaryType = 'arraybuffer';
          port.readable = new ReadableStream<Uint8Array>({
            start(c) {
              ws.onmessage = (e) => c.enqueue(new Uint8Array(e.data as ArrayBuffer));
              ws.onclose = () => c.close();
            },
          });
          port.writable = new WritableStream<Uint8Array>({ write: (chunk) => ws.send(new Uint8Array(chunk)) });
          await new Promise((res, rej) => { ws.onopen = res; ws.onerror = rej; });
        },
        async close() { ws.close(); },
      };
      return port;
    };
    Object.defineProperty(navigator, 'serial', { value: { requestPort }, configurable: true });
  });

  await page.goto('/');
  await page.getByRole('tab', { name: 'Train' }).click();
  const panel = page.getByRole('region', { name: 'Device' });
  await panel.getByRole('button', { name: 'Connect board…' }).click();
  await expect(page.getByTestId('device-status')).toHaveText('connected: 10 classes, 3072 input bytes', { timeout: 30_000 });
  // The untrained board's predictions of the first 16 validation images: the TypeScript runtime's forward.
  const set = loadDemoDataset(new Uint8Array(readFileSync('public/demo/fashion-demo.bin')));
  const val = sampleSource(set, splitBySeed(set, { seed: DEMO_RUN.splitSeed }).val.slice(0, 16), model.graph);
  const ts = new ArenaExecutor(program, model.params);
  const want = Array.from({ length: val.length }, (_, i) => ts.predict(val.get(i).input).predicted);
  const right = want.filter((p, i) => p === val.get(i).label).length;
  await panel.getByRole('button', { name: 'Predict held-out images' }).click();
  await expect(page.getByTestId('device-status')).toHaveText('the board predicted 16 held-out images', { timeout: 60_000 });
  await expect(page.getByTestId('device-predictions')).toHaveText(`the board's predictions of 16 held-out validation images: ${right} right (${((right / 16) * 100).toFixed(0)}% accuracy)`);
  const grid = panel.getByRole('list', { name: 'the board\'s predictions' }).getByRole('listitem');
  await expect(grid).toHaveCount(16);
  for (let i = 0; i < 16; i++) {
    await expect(grid.nth(i)).toContainText(`true: ${set.classNames[val.get(i).label]}board: ${set.classNames[want[i]]}`);
  }

  await panel.getByRole('button', { name: 'Train on the board' }).click();
  await expect(page.getByTestId('device-numbers')).toContainText(/board step [1-9]\d: loss \d+\.\d{4}/, { timeout: 60_000 });
  await panel.getByRole('button', { name: 'Stop' }).click();
  await expect(page.getByTestId('device-status')).toHaveText('stopped', { timeout: 30_000 });
  // The trained board predicts again (its numbers are its own now: 16 images, an accuracy that adds up).
  await panel.getByRole('button', { name: 'Predict held-out images' }).click();
  await expect(page.getByTestId('device-status')).toHaveText('the board predicted 16 held-out images', { timeout: 60_000 });
  await expect(grid).toHaveCount(16);
  const text = await page.getByTestId('device-predictions').textContent();
  const after = Number(/: (\d+) right/.exec(text ?? '')?.[1]);
  await expect(panel.locator('.example-list li.right')).toHaveCount(after);
  await panel.getByRole('button', { name: 'Load the board\'s weights' }).click();
  await expect(page.getByTestId('device-status')).toContainText(/the board: \d+ steps on the device, \d+ trained parameters .*: loaded into the project/);
  await expect(page.getByTestId('training-what')).toContainText('tinytrain-demo-board.ttw');
});
