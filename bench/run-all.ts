/** `npm run bench`: every benchmark that exists, one after the other, each printing its tables. */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const scripts = Object.keys(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts as Record<string, string>)
  .filter((s) => s.startsWith('bench:'));
for (const s of scripts) {
  console.log(`\n=== npm run ${s}`);
  execSync(`npm run --silent ${s}`, { stdio: 'inherit' });
}
