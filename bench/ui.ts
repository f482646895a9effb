/**
 * `npm run bench:ui`: the median time from a scheme toggle to updated memory bars, over 50 toggles of
 * conv 21's weight update (0 <-> 1) in mcunet-5fps, in Chromium against the built app (vite preview).
 * Prints: toggle -> bars updated in the DOM, toggle -> next frame painted, and the engine's compile time.
 */
import { spawn } from 'node:child_process';
import { chromium } from '@playwright/test';

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

async function main() {
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
