/** Test harness: runs `node bin/tinytrain.mjs ...` from the repository root, as a user would. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Run { status: number; stdout: string; stderr: string }

export function tinytrain(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/tinytrain.mjs', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TINYTRAIN_DEBUG: '' } },
      (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }));
  });
}

/** The whole of stdout must be one JSON document (stderr is returned for the caller to check). */
export function parseOneJson<T>(r: Run): T {
  if (r.status !== 0) throw new Error(`exit ${r.status}: ${r.stderr}`);
  const out = r.stdout;
  if (!out.trimStart().startsWith('{') || !out.endsWith('}\n')) throw new Error(`stdout is not one JSON document: ${out.slice(0, 200)}`);
  return JSON.parse(out) as T;
}
