/**
 * `npm run bench:ui`: the median time from a scheme toggle to updated memory bars, over 50 toggles of
 * conv 21's weight update (0 <-> 1) in mcunet-5fps, in Chromium against the built app (vite preview).
 * Prints: toggle -> bars updated in the DOM, toggle -> next frame painted, and the engine's compile time.
 *
 * First, the forward graph's layout times (Node, the same code the page and the layout worker run):
 * the family's column layout against general graphs node by node (dag-layout.ts), where dagre's time
 * sets DAG_WORKER_THRESHOLD. `tsx bench/ui.ts --layout` prints that table only.
 */
import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';
import { generalGraph } from '../tests/general-graphs.ts';
import { summarize } from '../src/engine/ir/summary.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import { placeColumns } from '../src/ui/graph/column-layout.ts';
import { DAG_WORKER_THRESHOLD, layeredDag, layoutDag } from '../src/ui/graph/dag-layout.ts';
import { FORWARD_LAYOUT, forwardLayout } from '../src/ui/graph/forward-layout.ts';

const PORT = Number(process.env.E2E_PORT ?? 4191);
const URL_BASE = `http://127.0.0.1:${PORT}`;
const TOGGLES = 50;

async function waitForServer(url: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`vite preview did not answer at ${url}`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** Median ms of `f` over `reps` runs after two warm-up runs. */
function timeMs(f: () => unknown, reps: number): number {
  f();
  f();
  const xs: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

function layoutTable(): void {
  const rows: string[][] = [];
  const family = buildGraph(zooArch('mcunet-5fps'));
  const fs = summarize(family);
  const fl = forwardLayout(family, fs, [], null);
  rows.push([`family: mcunet-5fps (columns)`, String(fs.layers.length + 1),
    timeMs(() => forwardLayout(family, fs, [], null), 9).toFixed(1), '-',
    timeMs(() => placeColumns(fl.sizes, FORWARD_LAYOUT.columnGap), 9).toFixed(1), `${fl.sizes.length} columns`]);
  for (const [stages, branches, depth] of [[1, 2, 2], [2, 2, 2], [2, 2, 3], [4, 2, 3], [5, 3, 3], [10, 3, 3], [20, 3, 3], [45, 3, 3]]) {
    const g = generalGraph({ stages, branches, depth });
    const s = summarize(g);
    const l = forwardLayout(g, s, [], null);
    const items = l.nodes.map((n) => ({ id: n.id, width: n.width!, height: n.height! }));
    const edges = l.edges.map((e): [string, string] => [e.source, e.target]);
    const opts = { rankdir: 'LR' as const, ranksep: FORWARD_LAYOUT.columnGap, nodesep: FORWARD_LAYOUT.itemGap };
    const reps = items.length > 300 ? 3 : 7;
    rows.push([`general: ${stages} stages x ${branches} branches x ${depth}`, String(items.length),
      timeMs(() => forwardLayout(g, s, [], null), reps).toFixed(1),
      timeMs(() => layeredDag(items, edges, opts), reps).toFixed(2),
      timeMs(() => layoutDag(items, edges, opts), reps).toFixed(1),
      items.length > DAG_WORKER_THRESHOLD ? 'worker' : 'main thread']);
  }
  const head = ['graph', 'nodes', 'view layout ms', 'layered ms', 'dagre ms', 'dagre runs on'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  console.log(`Forward graph layout, Node ${process.version} (median; 'view layout' is what the page computes at once, dagre's time is the worker's for a family or a large graph)`);
  console.log(head.map((h, i) => (i ? h.padStart(w[i]) : h.padEnd(w[i]))).join('  '));
  for (const r of rows) console.log(r.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  '));
  console.log(`DAG_WORKER_THRESHOLD = ${DAG_WORKER_THRESHOLD} nodes\n`);
}

async function main() {
  layoutTable();
  if (process.argv.includes('--layout')) return;
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: false });
  try {
    await waitForServer(URL_BASE);
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    // tsx keeps function names with a helper the page does not have.
    await page.addInitScript('window.__name = (f) => f');
    await page.goto(URL_BASE);
    await page.getByTestId('forward-graph').waitFor();
    // Select conv 21 so the properties panel shows its controls.
    await page.keyboard.press('Control+f');
    await page.getByLabel('Find node').fill('conv21');
    await page.getByLabel('Find node').press('Enter');
    await page.getByLabel('Find node').press('Escape');
    await page.getByRole('complementary', { name: 'Properties' }).getByRole('radio', { name: 'Weight ratio 1 for conv 21' }).waitFor();

    const result = await page.evaluate(async (n) => {
      const panel = document.querySelector('aside[aria-label="Properties"]')!;
      const figure = document.querySelector('[data-testid="sram-figure"]')!;
      const status = document.querySelector('footer[aria-label="Status bar"]')!;
      const dom: number[] = [], frame: number[] = [], compile: number[] = [];
      const changed = (before: string | null) => new Promise<void>((resolve) => {
        if (figure.getAttribute('data-bytes') !== before) return resolve();
        const mo = new MutationObserver(() => {
          if (figure.getAttribute('data-bytes') !== before) {
            mo.disconnect();
            resolve();
          }
        });
        mo.observe(figure, { attributes: true });
      });
      for (let i = 0; i < n + 4; i++) {
        const ratio = i % 2 === 0 ? '1' : '0';
        const button = panel.querySelector<HTMLButtonElement>(`[aria-label="Weight ratio ${ratio} for conv 21"]`)!;
        const before = figure.getAttribute('data-bytes');
        const t0 = performance.now();
        button.click();
        await changed(before);
        const t1 = performance.now();
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
        const t2 = performance.now();
        const ms = /in ([\d.]+) ms/.exec(status.textContent ?? '');
        if (i >= 4) { // the first toggles warm the JIT up
          dom.push(t1 - t0);
          frame.push(t2 - t0);
          if (ms) compile.push(Number(ms[1]));
        }
        await new Promise((r) => setTimeout(r, 40));
      }
      return { dom, frame, compile };
    }, TOGGLES);
    await browser.close();

    const rows: [string, number[]][] = [
      ['toggle -> bars updated (DOM)', result.dom],
      ['toggle -> next frame painted', result.frame],
      ['engine compile (compileTraining)', result.compile],
    ];
    console.log(`mcunet-5fps, conv 21 weight 0 <-> 1, ${TOGGLES} toggles, Chromium 1366x768, forward graph open`);
    console.log(`${'measure'.padEnd(36)} ${'median'.padStart(8)} ${'p90'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}`);
    for (const [name, xs] of rows) {
      const f = (v: number) => `${v.toFixed(1)} ms`.padStart(8);
      console.log(`${name.padEnd(36)} ${f(median(xs))} ${f(pct(xs, 0.9))} ${f(Math.min(...xs))} ${f(Math.max(...xs))}`);
    }
    console.log(`median toggle -> updated bars: ${median(result.dom).toFixed(1)} ms`);
  } finally {
    server.kill();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
