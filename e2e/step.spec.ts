// The step-through: the runtime runs the project's training step kernel by kernel in a worker on a demo
// image. Pressing Next twenty times walks twenty kernels; at each, the arena view's live bytes (from
// the worker's copy of the arena and the plan) equal the memory timeline's figure at that step (the
// engine's report), the timeline marks that step and the graph beside highlights the kernel.
// Screenshots at 1280x720 and 1920x1080 (test-results/screenshots/step-<size>-*.png).
import { test, expect, saveScreenshot } from './fixtures';

test.describe.configure({ timeout: 180_000 });

for (const size of [{ width: 1280, height: 720 }, { width: 1920, height: 1080 }]) {
  test(`at ${size.width}x${size.height}: twenty kernels, live bytes equal the timeline's at each`, async ({ page }) => {
    await page.setViewportSize(size);
    await page.goto('/');
    await expect(page.getByTestId('forward-graph')).toBeVisible();
    await page.getByRole('tab', { name: 'Step', exact: true }).click();
    const arena = page.getByTestId('step-arena');
    await expect(arena).toHaveAttribute('data-step', '0', { timeout: 60_000 });
    const readout = page.getByTestId('timeline-readout');
    const next = page.getByRole('button', { name: 'Next kernel' });
    const kernels = Number((await page.getByTestId('step-position').textContent())!.match(/0–(\d+)/)![1]) + 1;
    expect(kernels).toBeGreaterThan(20);
    const seen = new Set<string>();
    for (let i = 0; i <= 20; i++) {
      if (i > 0) await next.click();
      await expect(arena).toHaveAttribute('data-step', String(i));
      await expect(readout).toHaveAttribute('data-step', String(i));
      const live = Number(await arena.getAttribute('data-live-bytes'));
      const timeline = Number(await readout.getAttribute('data-live-bytes'));
      expect(live, `kernel ${i}: arena view vs timeline`).toBe(timeline);
      expect(live).toBeGreaterThan(0);
      await expect(page.getByTestId('step-live-bytes')).toHaveText(`${live.toLocaleString('en-US')} B`);
      const name = (await page.getByTestId('step-kernel').textContent())!;
      seen.add(live.toString());
      // The kernel is highlighted in the graph beside: a selected kernel node (backward) or op node (forward).
      if (await page.getByTestId('backward-graph').isVisible()) await expect(page.getByTestId(`kernel-${name}`)).toHaveClass(/is-selected/);
      else await expect(page.locator('[data-testid="forward-graph"] .is-selected').first()).toBeVisible();
      if (i === 0) {
        // The graph's column holds its toolbar (it wraps, never runs under the arena panel beside it).
        const boxes = await page.evaluate(() => {
          const r = (sel: string) => document.querySelector(sel)!.getBoundingClientRect();
          const buttons = [...document.querySelectorAll('.step-graph .graph-toolbar button')].map((b) => b.getBoundingClientRect().right);
          return { graph: r('.step-graph').right, side: r('.step-side').left, buttons: Math.max(...buttons) };
        });
        expect(boxes.graph).toBeLessThanOrEqual(boxes.side + 0.5);
        expect(boxes.buttons).toBeLessThanOrEqual(boxes.graph + 0.5);
        await saveScreenshot(page, `step-${size.width}-forward`);
      }
    }
    // The live bytes change as buffers come and go.
    expect(seen.size).toBeGreaterThan(3);
    // Tensors drawn, with values on hover; an update kernel shows the slice before and after.
    await expect(page.getByTestId('step-tensor-read').first()).toBeVisible();
    const canvas = page.locator('.tensor-canvas').first();
    await canvas.hover({ position: { x: 2, y: 2 } });
    await expect(page.locator('.tensor-readout').first()).toContainText(/\[/);
    await saveScreenshot(page, `step-${size.width}-kernel-20`);
    // Play walks on by itself; Pause stops it.
    await page.getByRole('button', { name: /Play/ }).click();
    await expect(arena).toHaveAttribute('data-step', '22', { timeout: 20_000 });
    await page.getByRole('button', { name: /Pause/ }).click();
    const paused = await arena.getAttribute('data-step');
    await page.waitForTimeout(1500);
    await expect(arena).toHaveAttribute('data-step', paused!);
    await page.getByRole('slider').fill(String(kernels - 1));
    await expect(arena).toHaveAttribute('data-step', String(kernels - 1));
    await expect(readout).toHaveAttribute('data-step', String(kernels - 1));
    expect(Number(await arena.getAttribute('data-live-bytes'))).toBe(Number(await readout.getAttribute('data-live-bytes')));
    // Previous re-runs the step to the kernel before.
    await page.getByRole('button', { name: 'Previous kernel' }).click();
    await expect(arena).toHaveAttribute('data-step', String(kernels - 2));
    const update = page.getByTestId('step-param');
    for (let k = kernels - 2; k > 0 && !(await update.first().isVisible()); k--) {
      await page.getByRole('button', { name: 'Previous kernel' }).click();
      await expect(arena).toHaveAttribute('data-step', String(k - 1));
    }
    await expect(update.first()).toContainText('changed');
    await expect(update.first()).toContainText(/the whole weight trains|the trained slice/);
    await saveScreenshot(page, `step-${size.width}-update`);
  });
}
