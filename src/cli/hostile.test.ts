/**
 * The findings of issue 13 through the command line, as a user (or an attacker) would run them:
 * devices, FIFOs and /proc as model, scheme or output; zoo names that are Object.prototype's;
 * folders where files are expected; budgets of 0 or 1e26; a scheme nested 100,000 deep or with a
 * byte-order mark; control characters in file names and contents; `--out -`; a missing model file.
 * Each must end promptly with one sentence on stderr (escaped, naming the file and field) and no
 * JavaScript internals; nothing may hang (every run has a timeout).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { archFromRows } from '../engine/models/arch.ts';
import { buildGraph } from '../engine/models/build.ts';
import { syntheticParams } from '../engine/models/synthetic.ts';
import { encodeWeights, withArch } from '../engine/models/weights-file.ts';
import { InputError } from '../engine/input-error.ts';
import { ensureFolder, fsError, writeUserFile } from '../engine/io/node-file.ts';
import { bytesOption, outputOption } from './args.ts';
import { tinytrain, type Run } from './cli-harness.ts';
import { modelArg } from './load-model.ts';
import { loadScheme } from './load-scheme.ts';

const dir = mkdtempSync(join(tmpdir(), 'tinytrain-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);

const ESC = '\u001b';
/** A .ttw whose model name holds terminal escapes and a newline. */
const ttw = join(dir, 'evil.ttw');
{
  const arch = archFromRows(`${ESC}[2J${ESC}]0;pwned\u0007x\nfits the budgets`, 8, [[0, 8, 3, 1], [16, 8, 3, 2]]);
  const g = withArch(buildGraph(arch, { resolution: 16, classes: 4 }), arch);
  writeFileSync(ttw, encodeWeights(g, syntheticParams(g), { source: `${ESC}[31mred` }));
}
const bomScheme = join(dir, 'bom.json');
writeFileSync(bomScheme, '\ufeff{"nBias": 3}');
const deepScheme = join(dir, 'deep.json');
writeFileSync(deepScheme, `${'['.repeat(100_000)}${']'.repeat(100_000)}`);
const aliasScheme = join(dir, 'alias.json');
writeFileSync(aliasScheme, '{"nBias": 22, "weights": {"21": 1, "021": 1}}');
const escName = join(dir, `${ESC}[31mscheme.json`);
writeFileSync(escName, `{"nBias": "${'\\u001b'}[2J"}`);

/**
 * Runs tinytrain, two at a time (each spawn compiles the CLI: seconds of CPU on a busy machine), with
 * a hard timeout from its start: a hang fails the test instead of stalling the suite.
 */
let active = 0;
const waiting: (() => void)[] = [];
async function run(...args: string[]): Promise<Run & { ms: number }> {
  if (active >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  active++;
  const t0 = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      tinytrain(...args).then((r) => ({ ...r, ms: performance.now() - t0 })),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`tinytrain ${args.join(' ')} did not finish in 120 s`)), 120_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    active--;
    waiting.shift()?.();
  }
}

/** One refusal: a non-zero exit, nothing on stdout, one escaped sentence on stderr with no JavaScript internals. */
function refused(r: Run, pattern: RegExp): void {
  expect(r.status, r.stderr).not.toBe(0);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toContain(ESC);
  expect(r.stderr).not.toMatch(/internal error|Cannot read properties|is not iterable|out of bounds|Maximum call stack|EISDIR|ENOENT|EACCES|ENOSPC/);
  expect(lines[0]).toMatch(pattern);
}

const plan = (...a: string[]) => run('plan', '--model', 'mcunet-5fps', '--resolution', '32', ...a);
const exportTo = (out: string) => run('export', '--model', 'mcunet-5fps', '--scheme', 'last-2', '--target', 'mps2-an500', '--dataset', 'synthetic', '--resolution', '32', '--out', out);

/** The same refusal in-process (the CLI's own loaders), for the cases that need no new process. */
function refusedHere(fn: () => unknown, pattern: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'refused').toBeInstanceOf(InputError);
  const msg = (error as Error).message;
  expect(msg).not.toMatch(/Cannot read properties|is not iterable|out of bounds|Maximum call stack|EISDIR|ENOENT|EACCES/);
  expect(msg).toMatch(pattern);
}

describe('tinytrain refuses hostile paths and names in one sentence, promptly (spawned as a user runs it)', () => {
  // Started at once, two at a time; each test awaits its own.
  const runs = {
    devZero: run('info', '--model', '/dev/zero'),
    fifoScheme: plan('--scheme', fifo),
    procOut: exportTo('/proc/x'),
    dashOut: exportTo('-'),
    missingModel: run('plan', '--model', join(dir, 'missing.pkl'), '--scheme', 'last-3'),
    constructorModel: run('info', '--model', 'constructor'),
    zeroBudget: plan('--scheme', 'last-2', '--sram-budget', '0'),
    deep: plan('--scheme', deepScheme),
    escFile: plan('--scheme', escName),
    escModel: run('info', '--model', ttw),
    escModelJson: run('info', '--model', ttw, '--json'),
  };

  it('/dev/zero as the model and a FIFO as the scheme: refused by type, nothing read, no hang', async () => {
    const z = await runs.devZero;
    refused(z, /^tinytrain info: model file \/dev\/zero is a character device, not a regular file$/);
    refused(await runs.fifoScheme, /^tinytrain plan: scheme file .*fifo is a FIFO \(named pipe\), not a regular file$/);
  }, 300_000);

  it('export --out /proc/x and --out -: refused, nothing written, no hang', async () => {
    refused(await runs.procOut, /^tinytrain export: cannot create output folder \/proc\/x: its parent folder does not allow it$/);
    refused(await runs.dashOut, /^tinytrain export: --out - is not supported: this verb writes files, give a folder or file name$/);
    expect(existsSync('-')).toBe(false);
  }, 300_000);

  it('a missing model file is blamed on --model, not on the scheme; constructor is not a zoo model', async () => {
    refused(await runs.missingModel, /^tinytrain plan: --model ".*missing.pkl" is neither a zoo model .* nor a readable file$/);
    refused(await runs.constructorModel, /^tinytrain info: --model "constructor" is neither a zoo model \(mcunet-5fps, mbv2-w0.35, proxyless-w0.3, tinytrain-demo\) nor a readable file$/);
  }, 300_000);

  it('a budget of 0 and a scheme nested 100,000 deep are one sentence', async () => {
    refused(await runs.zeroBudget, /^tinytrain plan: --sram-budget is 0 bytes, outside the allowed 1 KB to 64 MB$/);
    refused(await runs.deep, /^tinytrain plan: scheme file .*deep.json: the scheme nests arrays or objects more than 32 levels deep$/);
  }, 300_000);

  it('control characters in a file name or its contents are printed escaped, in text and JSON', async () => {
    refused(await runs.escFile, /^tinytrain plan: scheme file .*\\u001b\[31mscheme.json: nBias: must be a whole number of convs from 0 to 10,000, got "\\u001b\[2J"$/);
    const m = await runs.escModel;
    expect(m.status, m.stderr).toBe(0);
    expect(m.stdout).not.toContain(ESC);
    expect(m.stdout).not.toContain('\u0007');
    expect(m.stdout.split('\n')[0]).toMatch(/^\\u001b\[2J\\u001b\]0;pwned\\u0007x\\u000afits the budgets: evil.ttw \(\\u001b\[31mred\), input 3x128x128, 10 classes$/);
    const j = await runs.escModelJson;
    expect(j.status, j.stderr).toBe(0);
    expect(j.stdout).not.toContain(ESC);
    expect(JSON.parse(j.stdout).model).toBe(`${ESC}[2J${ESC}]0;pwned\u0007x\nfits the budgets`);
  }, 300_000);
});

describe('the CLI\'s loaders refuse the rest in-process', () => {
  it('devices, FIFOs and folders as model or scheme files, refused by type', () => {
    refusedHere(() => modelArg('/dev/urandom'), /^model file \/dev\/urandom is a character device, not a regular file$/);
    refusedHere(() => modelArg(fifo), /^model file .*fifo is a FIFO \(named pipe\), not a regular file$/);
    refusedHere(() => modelArg(dir), /^model file .* is a folder, not a regular file$/);
    refusedHere(() => loadScheme('/dev/zero', 'mcunet-5fps', 42), /^scheme file \/dev\/zero is a character device, not a regular file$/);
    refusedHere(() => loadScheme(dir, 'mcunet-5fps', 42), /^scheme file .* is a folder, not a regular file$/);
  });

  it('Object.prototype\'s names are not zoo models', () => {
    for (const m of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      refusedHere(() => modelArg(m), /is neither a zoo model .* nor a readable file$/);
    }
  });

  it('a scheme file with a byte-order mark is read; aliased keys ("21" and "021") are refused', () => {
    expect(loadScheme(bomScheme, 'mcunet-5fps', 42).nBias).toBe(3);
    refusedHere(() => loadScheme(aliasScheme, 'mcunet-5fps', 42), /^scheme file .*alias.json: weights\["021"\]: the key must be a conv index written plainly \(21\)$/);
  });

  it('budgets: 0, 1e26, Infinity and far more than any chip are refused; sizes in range are read', () => {
    const b = (v: string) => () => bytesOption({ 'sram-budget': v }, 'sram-budget', 1);
    refusedHere(b('0'), /^--sram-budget is 0 bytes, outside the allowed 1 KB to 64 MB$/);
    refusedHere(b('1e26'), /^--sram-budget must be a size such as 256KB or 1MB, got "1e26"$/);
    refusedHere(b('Infinity'), /must be a size/);
    refusedHere(b('99999999999MB'), /outside the allowed 1 KB to 64 MB$/);
    expect(bytesOption({ 'sram-budget': '320KB' }, 'sram-budget', 1)).toBe(320 * 1024);
  });

  it('outputs: a device or folder where a file goes, a file where a folder goes, - as a path', () => {
    refusedHere(() => writeUserFile('/dev/null', 'x', 'output file'), /^output file \/dev\/null is a character device, not a regular file to write$/);
    refusedHere(() => writeUserFile(fifo, 'x', 'output file'), /^output file .*fifo is a FIFO \(named pipe\), not a regular file to write$/);
    refusedHere(() => writeUserFile(dir, 'x', 'output file'), /is a folder, not a regular file to write$/);
    refusedHere(() => ensureFolder(ttw, 'output folder'), /^output folder .*evil.ttw is not a regular file|is not a folder/);
    refusedHere(() => ensureFolder('/proc/x/y', 'output folder'), /^cannot create output folder \/proc\/x: its parent folder does not allow it$/);
    refusedHere(() => outputOption({ out: '-' }, 'out'), /^--out - is not supported/);
  });

  it('errno codes become sentences', () => {
    const e = (code: string) => fsError(Object.assign(new Error(`${code}: raw`), { code }), 'write output file', 'fw/main.c').message;
    expect(e('ENOSPC')).toBe('cannot write output file fw/main.c: the disk is full');
    expect(e('EISDIR')).toBe('cannot write output file fw/main.c: it is a folder');
    expect(e('EACCES')).toBe('cannot write output file fw/main.c: permission denied');
    expect(e('EROFS')).toBe('cannot write output file fw/main.c: the file system is read-only');
    expect(e('EWHATEVER')).toBe('cannot write output file fw/main.c: the system refused it (EWHATEVER)');
  });
});

describe('dataset folders', () => {
  const root = join(dir, 'data');
  const outside = join(dir, 'outside');
  mkdirSync(outside, { recursive: true });
  const png = (v: number) => PNG.sync.write(Object.assign(new PNG({ width: 8, height: 8 }), { data: Buffer.alloc(256, v) }));
  writeFileSync(join(outside, 'secret.png'), png(9));
  for (const c of ['cats', 'dogs']) {
    mkdirSync(join(root, c), { recursive: true });
    for (let i = 0; i < 12; i++) writeFileSync(join(root, c, `${i}.png`), png(i * 20));
  }
  symlinkSync(join(outside, 'secret.png'), join(root, 'cats', 'link-out.png'));
  symlinkSync(join(dir, 'nowhere.png'), join(root, 'dogs', 'dangling.png'));
  symlinkSync(join(root, 'cats'), join(root, 'dogs', 'loop'));
  symlinkSync(root, join(root, 'cats', 'up'));
  const train = run('train', '--model', 'tinytrain-demo', '--scheme', 'last-2', '--dataset', root, '--resolution', '32', '--epochs', '0.1', '--json');

  it('do not follow links out of the folder; a dangling link or a loop is a note, not fatal', async () => {
    const r = await train;
    expect(r.status, r.stderr).toBe(0);
    const note = r.stderr.split('\n')[0];
    expect(note).toMatch(/^\d+ file\(s\) skipped: /);
    expect(note).toContain('cats/link-out.png (is a symbolic link to outside the dataset folder)');
    expect(note).toContain('dogs/dangling.png (is a symbolic link to nothing (dangling))');
    // Links inside the folder are followed, but a folder is read once: cats/up (the root) and dogs/loop (cats).
    expect(note).toMatch(/cats\/up \(is a folder already read \(a link loop\?\)\)/);
    expect(note).toMatch(/dogs\/loop \(is a folder already read \(a link loop\?\)\)/);
    expect(r.stderr).toMatch(/19 training and 5 validation images of 2 classes/);
  }, 300_000);
});
