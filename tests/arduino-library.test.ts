/**
 * The Nano 33 BLE's Arduino library export (codegen/c-arduino.ts):
 * - its layout follows the Arduino library specification, 1.5 format: library.properties at the top
 *   with every required field (name, version, author, maintainer, sentence, paragraph, category, url,
 *   architectures), a valid name, semver version and a category of the specification's list; every
 *   source under src/ (no sources at the top, no utility/ beside src/); the example as
 *   examples/train/train.ino (folder and sketch of one name); no startup code or linker script (the
 *   core brings them) and no main();
 * - its sources compile with arm-none-eabi-gcc/g++ for the Nano's core (Cortex-M4, FPv4-SP, the mbed
 *   core's softfp ABI) with -Wall -Wextra -Werror and without -ffp-contract=off (the Arduino builder
 *   does not pass it), the sketch as C++ the way the builder does (Arduino.h first), against a labeled
 *   stand-in Arduino.h (tests/arduino-standin/);
 * - the kernels' pragma makes that build the Makefile build: its code is instruction for instruction
 *   the one -ffp-contract=off gives (no fused multiply-add), while the same file without the pragma
 *   is not.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { exportCProject, syntheticSamples, zipCProject } from '../src/engine/codegen/index.ts';
import { ARDUINO_LIBRARY } from '../src/engine/codegen/c-arduino.ts';
import { isInputError } from '../src/engine/input-error.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { syntheticParams } from '../src/engine/models/synthetic.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { run } from './firmware.ts';
import { requireTool } from './require-tool.ts';

const hasArm = requireTool('arm-none-eabi-gcc') && requireTool('newlib');
const dirs: string[] = [];
afterAll(() => {
  if (!process.env.TINYTRAIN_KEEP_FIRMWARE) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The Arduino library specification's categories. */
const CATEGORIES = ['Display', 'Communication', 'Signal Input/Output', 'Sensors', 'Device Control', 'Timing', 'Data Storage', 'Data Processing', 'Other'];
const REQUIRED = ['name', 'version', 'author', 'maintainer', 'sentence', 'paragraph', 'category', 'url', 'architectures'];
/** The Nano 33 BLE's core (Arduino Mbed OS Nano Boards) builds for the Cortex-M4 with the FPU and the softfp ABI. */
const NANO_ARCH = ['-mcpu=cortex-m4', '-mthumb', '-mfpu=fpv4-sp-d16', '-mfloat-abi=softfp'];
const STANDIN = join(__dirname, 'arduino-standin');

const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 64, classes: 10 });
const program = compileTraining(g, builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!, { sramBudget: 192 * 1024 });
const params = syntheticParams(g, 1);
const samples = syntheticSamples(g, 2, 3);

function properties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_.]+)=(.*)$/.exec(line);
    if (m) out.set(m[1], m[2]);
  }
  return out;
}

/** The code of an object's .text, without addresses' file header. */
function disassembly(obj: string): string {
  return run('arm-none-eabi-objdump', ['-d', '--no-show-raw-insn', obj]).stdout.split('\n').slice(3).join('\n');
}

describe('the Nano 33 BLE\'s Arduino library', () => {
  const files = exportCProject(program, params, samples, { target: 'nrf52840', layout: 'arduino' });
  const root = `${ARDUINO_LIBRARY}/`;

  it('follows the library specification\'s 1.5 layout', () => {
    const paths = Object.keys(files);
    expect(paths.every((p) => p.startsWith(root))).toBe(true);
    const props = properties(files[`${root}library.properties`]);
    for (const f of REQUIRED) expect(props.get(f)?.trim(), `library.properties: ${f}`).toBeTruthy();
    expect(props.get('name')).toMatch(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/);
    expect(props.get('version')).toMatch(/^\d+\.\d+\.\d+$/);
    expect(CATEGORIES).toContain(props.get('category'));
    expect(props.get('architectures')!.split(',')).toContain('mbed_nano');
    expect(props.get('url')).toMatch(/^https:\/\//);
    // The header the sketch includes is in src/ (the builder finds the library by it).
    expect(files[`${root}src/${props.get('includes')}`]).toBeDefined();
    expect(files[`${root}examples/train/train.ino`]).toContain(`#include <${props.get('includes')}>`);
    const top = paths.map((p) => p.slice(root.length));
    expect(top.filter((p) => /\.(c|cpp|h|S)$/.test(p) && !p.startsWith('src/') && !p.startsWith('examples/'))).toEqual([]);
    expect(top.some((p) => p.startsWith('utility/'))).toBe(false);
    for (const p of top.filter((q) => q.startsWith('examples/'))) {
      const [, dir, name] = p.split('/');
      expect(name, p).toBe(`${dir}.ino`);
    }
    expect(top.filter((p) => /startup|\.ld$|main\.c$|Makefile|CMake/.test(p))).toEqual([]);
    expect(Object.values(files).some((t) => /\bint main\s*\(/.test(t))).toBe(false);
    // Zipped as the library folder itself ("Add .ZIP Library", arduino-cli lib install --zip-path).
    const zipped = Object.keys(unzipSync(zipCProject(files, 'ignored-for-a-library')));
    expect(zipped.sort()).toEqual(paths.sort());
  });

  it('is refused for another target, in one sentence', () => {
    let error: unknown;
    try {
      exportCProject(program, params, samples, { target: 'stm32f412', layout: 'arduino' });
    } catch (e) {
      error = e;
    }
    expect(isInputError(error)).toBe(true);
    expect((error as Error).message).toBe('export: the Arduino library layout is for the Nano 33 BLE (target nrf52840), not stm32f412.');
  });

  it.skipIf(!hasArm)('compiles for the Nano\'s core with -Wall -Wextra -Werror, the sketch as C++; the kernels without fused multiply-adds', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinytrain-arduino-'));
    dirs.push(dir);
    for (const [p, t] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), t);
    }
    const srcDir = join(dir, ARDUINO_LIBRARY, 'src');
    const src = (f: string) => join(srcDir, f);
    // The builder puts the library's src/ and the core on the include path and includes Arduino.h first in C++.
    const inc = ['-I', srcDir, '-I', STANDIN, '-include', join(STANDIN, 'Arduino.h')];
    const warn = ['-Wall', '-Wextra', '-Werror'];
    const cOpts = [...NANO_ARCH, '-std=gnu11', '-O2', ...warn, '-c'];
    for (const f of Object.keys(files).filter((p) => p.endsWith('.c'))) {
      const name = f.split('/').pop()!;
      const r = run('arm-none-eabi-gcc', [...cOpts, src(name), '-o', join(dir, `${name}.o`)]);
      expect(r.status, `${name}: ${r.stderr.slice(-3000)}`).toBe(0);
    }
    const cxx = [...NANO_ARCH, '-std=gnu++17', '-O2', '-fno-exceptions', '-fno-rtti', ...warn, ...inc, '-c'];
    const platform = run('arm-none-eabi-g++', [...cxx, src('tt_platform_arduino.cpp'), '-o', join(dir, 'platform.o')]);
    expect(platform.status, platform.stderr).toBe(0);
    const ino = run('arm-none-eabi-g++', [...cxx, '-x', 'c++', join(dir, ARDUINO_LIBRARY, 'examples/train/train.ino'), '-o', join(dir, 'train.o')]);
    expect(ino.status, ino.stderr).toBe(0);
    expect(run('arm-none-eabi-nm', [join(dir, 'train.o')]).stdout).toMatch(/ T _Z4loopv$/m);

    // The pragma: the library's kernels compile to exactly what -ffp-contract=off gives, and would not without it.
    const lib = disassembly(join(dir, 'tt_kernels.c.o'));
    expect(lib).not.toMatch(/\tvf[mn]/);
    const plain = readFileSync(src('tt_kernels.c'), 'utf8').replace(/^#pragma GCC optimize\("fp-contract=off"\)$/m, '');
    writeFileSync(join(srcDir, 'plain.c'), plain);
    expect(run('arm-none-eabi-gcc', [...cOpts, '-ffp-contract=off', src('plain.c'), '-o', join(dir, 'off.o')]).status).toBe(0);
    expect(run('arm-none-eabi-gcc', [...cOpts, src('plain.c'), '-o', join(dir, 'fast.o')]).status).toBe(0);
    expect(lib).toBe(disassembly(join(dir, 'off.o')));
    expect(disassembly(join(dir, 'fast.o'))).toMatch(/\tvf[mn]/);
  });
});
