/**
 * Names from files never reach the exported C project as they are. A model's name (from a .ttw
 * header, or a .pkl's file name) holding comment ends, preprocessor lines, newlines, NUL, quotes,
 * backslashes, trigraphs, Markdown or Makefile syntax gives a project identical, byte for byte, to
 * the project of a plain name with safeName(name) in its place: no file's code, comments, strings,
 * Makefile or README depends on the name in any other way. One hostile project is built with the
 * host's gcc (and run) and with arm-none-eabi-gcc.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples, zipCProject } from '../src/engine/codegen/index.ts';
import { cString, safeName } from '../src/engine/codegen/c-format.ts';
import { unzipSync } from 'fflate';
import type { Model } from '../src/engine/ir/graph.ts';
import { archFromRows } from '../src/engine/models/arch.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { modelFromPkl } from '../src/engine/models/from-pkl.ts';
import { syntheticParams } from '../src/engine/models/synthetic.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { make, run, writeProject } from './firmware.ts';
import { requireTool } from './require-tool.ts';

const HOSTILE = [
  'x */ int evil(void) { return 42; } /* y',
  'a\n#include "/etc/passwd"\n#define main evil\n',
  'nul\u0000byte\u0000',
  'quote" and \\" backslash\\',
  '$(shell touch /tmp/tinytrain-pwned)\t$$HOME: all:: ; @echo x',
  'trigraph ??/ ??= ??\' end',
  '`md` | table | <script>alert(1)</script> [link](x)',
  '../../etc/cron.d/x',
  '-rf --force',
  '\r\u001b[2J\u001b]0;title\u0007é€\u202eRTL',
  '*/#include',
];
const PLAIN = 'PLAINNAME';
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tinyModel(name: string): Model {
  const arch = archFromRows(name, 8, [[0, 8, 3, 1], [16, 8, 3, 2], [24, 8, 3, 1, '+']]);
  const graph = buildGraph(arch, { resolution: 16, classes: 4 });
  return { graph, params: syntheticParams(graph), source: 'test' };
}

function exportOf(m: Model, scheme = 'last-4', target: 'mps2-an500' | 'stm32f746' = 'mps2-an500') {
  const program = compileTraining(m.graph, builtinScheme(scheme, 9)!);
  return exportCProject(program, m.params, syntheticSamples(m.graph, 2), { target, steps: 2 });
}

/** Every file of `hostile` equals the plain project's with the plain name replaced by safeName(name). */
function expectOnlySafeName(hostile: Record<string, string>, plain: Record<string, string>, name: string) {
  const safe = safeName(name);
  expect(safe).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/);
  expect(Object.keys(hostile)).toEqual(Object.keys(plain));
  for (const path of ['main.c', 'tt_step.c', 'tt_step.h', 'tt_params.c', 'README.md']) expect(plain[path], `${path} names the model`).toContain(PLAIN);
  for (const [path, text] of Object.entries(plain)) expect(hostile[path], path).toBe(text.replaceAll(PLAIN, safe));
}

describe('safeName', () => {
  it('keeps the zoo names and reduces anything else to letters, digits, ".", "_" and "-"', () => {
    for (const n of ['mcunet-5fps', 'mbv2-w0.35', 'proxyless-w0.3', 'tinytrain-demo']) expect(safeName(n)).toBe(n);
    expect(safeName('x */ int evil(void)')).toBe('x_int_evil_void_');
    expect(safeName('../../etc/passwd')).toBe('etc_passwd');
    expect(safeName('\u0000\n')).toBe('model');
    expect(safeName('a'.repeat(500))).toHaveLength(64);
  });
});

describe('cString', () => {
  it.skipIf(!(requireTool('gcc') && requireTool('libc6-dev')))('reads back as the same UTF-8 bytes under gcc -std=c11 (trigraphs on)', () => {
    const text = 'a"b\\c??/d??=e\u0001f\u0001ab\n\u0000\u00e9\u20ac\u202e*/ end';
    const dir = writeProject({
      'x.c': `#include <stdio.h>\nint main(void) {\n  static const char s[] = ${cString(text)};\n  fwrite(s, 1, sizeof s - 1, stdout);\n  return 0;\n}\n`,
    });
    dirs.push(dir);
    const cc = run('gcc', ['-std=c11', '-Wall', '-Wextra', '-Werror', '-o', join(dir, 'x'), join(dir, 'x.c')]);
    expect(cc.status, cc.stderr).toBe(0);
    const out = spawnSync(join(dir, 'x'));
    expect(Buffer.from(out.stdout).equals(Buffer.from(text, 'utf8'))).toBe(true);
  });
});

describe('exported projects carry names from files only as safeName', () => {
  const plain = exportOf(tinyModel(PLAIN));
  for (const name of HOSTILE) {
    it(JSON.stringify(name), () => expectOnlySafeName(exportOf(tinyModel(name)), plain, name));
  }

  it('a .pkl file name reaches the project the same way', () => {
    const bytes = new Uint8Array(readFileSync(join(import.meta.dirname, '../../shared/models/tiny-training/mcunet-5fps.pkl')));
    const open = (fileName: string) => {
      const m = modelFromPkl(bytes, { fileName, resolution: 32, classes: 4 });
      const program = compileTraining(m.graph, builtinScheme('last-2', 42)!);
      return exportCProject(program, m.params, syntheticSamples(m.graph, 1), { target: 'stm32f746', steps: 1 });
    };
    const name = 'm */\n#include <evil.h>\n"$(shell id)"';
    expectOnlySafeName(open(`${name}.pkl`), open(`${PLAIN}.pkl`), name);
  });

  it('the zip folder is the safe name too', () => {
    const files = exportOf(tinyModel(PLAIN));
    const zip = unzipSync(zipCProject(files, '../../x y'));
    expect(Object.keys(zip).every((p) => p.startsWith('x_y/'))).toBe(true);
  });
});

describe('a project whose model name holds every hostile text builds and runs', () => {
  const name = 'x */ #include "a"\n#define main evil\n\u0000 \\ ??/ $(shell id)\t: `|<`\u001b[2J';
  it.skipIf(!(requireTool('gcc') && requireTool('libc6-dev')))('with the host gcc (-std=c11 -Wall -Wextra -Werror, trigraphs on)', () => {
    const dir = writeProject(exportOf(tinyModel(name)));
    dirs.push(dir);
    const build = make(dir, 'host');
    expect(build.status, build.stderr).toBe(0);
    const run = make(dir, 'run-host');
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(`tinytrain: ${safeName(name)}, `);
    expect(run.stdout).toMatch(/^done$/m);
  });

  it.skipIf(!(requireTool('arm-none-eabi-gcc') && requireTool('newlib')))('with arm-none-eabi-gcc for the STM32F746', () => {
    const dir = writeProject(exportOf(tinyModel(name), 'last-4', 'stm32f746'));
    dirs.push(dir);
    const build = make(dir, 'all');
    expect(build.status, build.stderr).toBe(0);
  });
});
