// Shared steps of the studio specs: find a node, read the figures the memory panel shows, run the CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect } from './fixtures';

/** Opens a zoo architecture (synthetic weights) in the open project, as the model picker does, and waits for its graph. */
export async function openZooModel(page: Page, arch: string, convs = 42): Promise<void> {
  await page.getByRole('combobox', { name: 'Model' }).selectOption(arch);
  await expect(page.getByRole('combobox', { name: 'Model' })).toHaveValue(arch);
  if (await page.getByTestId('forward-graph').isVisible()) await expect(page.locator('[data-testid^="fwd-node-conv"]')).toHaveCount(convs);
}

/** Ctrl+F, the node's name, Enter: selects it and brings it into view. */
export async function findNode(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+f');
  const box = page.getByRole('searchbox').or(page.getByLabel('Find node'));
  await box.fill(name);
  await box.press('Enter');
  await box.press('Escape');
}

export async function bytesOf(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).getAttribute('data-bytes'));
}

/** The scheme the app shares in its URL (`#model=…&resolution=…&scheme=…`). */
export function schemeFromUrl(url: string): Record<string, unknown> {
  const params = new URLSearchParams(new URL(url).hash.slice(1));
  const text = params.get('scheme');
  expect(text, 'the URL carries the scheme').toBeTruthy();
  return JSON.parse(text!) as Record<string, unknown>;
}

export interface PlanJson {
  peakSramBytes: number;
  flashBytes: number;
  analyticBytes: number;
  breakdown: Record<string, number>;
  peak: { step: number; kernel: string };
}

/** `npx tinytrain plan --model M --scheme <file> --json` for a scheme given as an object. */
export function planFor(model: string, scheme: unknown, extra: string[] = []): PlanJson {
  const dir = mkdtempSync(join(tmpdir(), 'tinytrain-e2e-'));
  const file = join(dir, 'scheme.json');
  writeFileSync(file, JSON.stringify(scheme));
  const out = execFileSync('npx', ['tinytrain', 'plan', '--model', model, '--scheme', file, '--json', ...extra], { encoding: 'utf8' });
  return JSON.parse(out) as PlanJson;
}

export function planForBuiltin(model: string, scheme: string, extra: string[] = []): PlanJson {
  return JSON.parse(execFileSync('npx', ['tinytrain', 'plan', '--model', model, '--scheme', scheme, '--json', ...extra], { encoding: 'utf8' })) as PlanJson;
}
