// The `test` every spec should import (`import { test, expect } from './fixtures'`): the app must work
// offline, so a test fails if its page asks any host but 127.0.0.1/localhost for anything.
import { test as base, expect, type Page, type Request } from '@playwright/test';
import { join } from 'node:path';

export { expect };

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const LOCAL_SCHEMES = new Set(['data:', 'blob:', 'about:']);

/** True for URLs that stay on this machine: 127.0.0.1, localhost, data:, blob:. */
export function isLocalUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return LOCAL_SCHEMES.has(u.protocol) || LOCAL_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

export const test = base.extend<{ requests: string[]; tour: boolean }>({
  /** Whether the first-visit tour may show; tests start as a returning user unless they ask for it (`test.use({ tour: true })`). */
  tour: [false, { option: true }],
  page: async ({ page, tour }, use) => {
    if (!tour) await page.addInitScript(() => localStorage.setItem('tinytrain.tour', 'done'));
    await use(page);
  },
  /** Every URL the pages of this test requested, in order; checked for foreign hosts at the end. */
  requests: [
    async ({ context }, use) => {
      const urls: string[] = [];
      const record = (request: Request) => urls.push(request.url());
      context.on('request', record);
      await use(urls);
      context.off('request', record);
      const foreign = urls.filter((url) => !isLocalUrl(url));
      expect(foreign, 'requests to hosts other than 127.0.0.1/localhost').toEqual([]);
    },
    { auto: true },
  ],
});

/** Saves a screenshot of the window to test-results/screenshots/<name>.png and attaches it to the report. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const path = join(test.info().project.outputDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  await test.info().attach(name, { path, contentType: 'image/png' });
  return path;
}
