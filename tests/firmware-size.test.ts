/**
 * The memory report's SRAM and Flash figures are what the exported firmware links to. For every zoo
 * model and paper scheme at 128x128, built with arm-none-eabi-gcc for the STM32F746 and mps2-an500:
 * - every RAM symbol of the ELF is an object of the report's list (firmware/static-objects.ts) with the
 *   same size, and every RAM object of the list is in the ELF;
 * - `arm-none-eabi-size` data + bss is the report's SRAM figure less at most SRAM_SLACK bytes (the
 *   alignment allowance the report counts so that a region of its size always links);
 * - text + data is the report's Flash figure within 1% (the code is an estimate);
 * - a budget of the figure links (the stm32f746 RAM region is the budget) and a budget one byte under
 *   is over in the report and refused by the export, with the missing byte named.
 * Compile-and-link only (bench:firmware runs them on QEMU). tt_kernels.c is compiled once.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples, type CProject, type Target } from '../src/engine/codegen/index.ts';
import { ALIGNMENT_ALLOWANCE, DEFAULT_EXPORT_SAMPLES, TFLITE_ADD_CODE_BYTES } from '../src/engine/firmware/static-objects.ts';
import { KERNEL_DEFS } from '../src/engine/kernels/index.ts';
import { chipTarget } from '../src/engine/targets.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { syntheticParams } from '../src/engine/models/synthetic.ts';
import { ZOO_NAMES, zooArch } from '../src/engine/models/zoo.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { builtinScheme, PAPER_SCHEMES } from '../src/engine/train/builtin-schemes.ts';
import { armSize, make, run, writeProject } from './firmware.ts';
import { requireTool } from './require-tool.ts';

/** The most the report's SRAM figure may exceed data + bss: the alignment padding it allows for. */
const SRAM_SLACK = ALIGNMENT_ALLOWANCE;
const FLASH_TOLERANCE = 0.01;
const TARGETS: Target[] = ['stm32f746', 'mps2-an500'];

const hasArm = requireTool('arm-none-eabi-gcc') && requireTool('newlib') && requireTool('arm-none-eabi-size');
const root = mkdtempSync(join(tmpdir(), 'tinytrain-size-'));
afterAll(() => {
  if (!process.env.TINYTRAIN_KEEP_FIRMWARE) rmSync(root, { recursive: true, force: true });
});

/** Objects compiled once (tt_kernels.c is the same in every project), by source text. */
const objects = new Map<string, string>();
function reuseObjects(files: CProject, dir: string): void {
  const obj = join(dir, 'build/obj-arm');
  mkdirSync(obj, { recursive: true });
  const later = new Date(Date.now() + 60_000);
  for (const [path, text] of Object.entries(files)) {
    const cached = path.endsWith('.c') ? objects.get(text) : undefined;
    if (!cached) continue;
    const to = join(obj, path.replace(/\.c$/, '.o'));
    copyFileSync(cached, to);
    utimesSync(to, later, later);
  }
}
function keepObject(files: CProject, dir: string, path: string): void {
  const to = join(root, `${objects.size}.o`);
  copyFileSync(join(dir, 'build/obj-arm', path.replace(/\.c$/, '.o')), to);
  objects.set(files[path], to);
}

/** RAM symbols of an ELF (data and bss), function-local statics without gcc's numeric suffix. */
function ramSymbols(elf: string): Map<string, number> {
  const r = run('arm-none-eabi-nm', ['-S', elf]);
  const out = new Map<string, number>();
  for (const m of r.stdout.matchAll(/^[0-9a-f]+ ([0-9a-f]+) [bBdD] (\S+)$/gm)) out.set(m[2].replace(/\.\d+$/, ''), parseInt(m[1], 16));
  return out;
}

const cases = ZOO_NAMES.flatMap((model) => Object.keys(PAPER_SCHEMES[model] ?? {}).map((label) => [model, `${model}@${label}`] as const));

describe('each kernel op\'s code estimate (its definition\'s c.codeBytes) is the size of its C functions', () => {
  it.skipIf(!hasArm)('arm-none-eabi-gcc -O2 for the M7, as the export builds tt_kernels.c', () => {
    const dir = mkdtempSync(join(root, 'code-'));
    const obj = join(dir, 'k.o');
    const flags = chipTarget('stm32f746')!.build!.cflags.split(' ');
    const cc = run('arm-none-eabi-gcc', [...flags, '-O2', '-std=c11', '-Wall', '-Wextra', '-Werror', '-ffp-contract=off', '-ffunction-sections',
      '-fdata-sections', '-c', 'csrc/tt_kernels.c', '-o', obj]);
    expect(cc.status, cc.stderr).toBe(0);
    // Function sizes by name, without gcc's clone suffixes (.constprop.0, .isra.0).
    const sizes = new Map<string, number>();
    for (const m of run('arm-none-eabi-nm', ['-S', obj]).stdout.matchAll(/^[0-9a-f]+ ([0-9a-f]+) [tT] (\S+)$/gm)) {
      const name = m[2].replace(/\..*$/, '');
      sizes.set(name, (sizes.get(name) ?? 0) + parseInt(m[1], 16));
    }
    for (const [op, def] of Object.entries(KERNEL_DEFS)) {
      for (const f of def.c.functions) expect(sizes.has(f), `${op}: ${f} is not in tt_kernels.o`).toBe(true);
      const bytes = def.c.functions.reduce((sum, f) => sum + (sizes.get(f) ?? 0), 0);
      expect(def.c.codeBytes, `${op}: ${def.c.functions.join(' + ')}`).toBe(bytes);
    }
    expect(TFLITE_ADD_CODE_BYTES, 'tt_add_q').toBe(sizes.get('tt_add_q'));
  });
});

describe('the report\'s SRAM and Flash are what the firmware links to', () => {
  it('covers every zoo model and paper scheme', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  for (const [model, scheme] of cases) {
    it.skipIf(!hasArm)(`${scheme} at 128x128 on ${TARGETS.join(' and ')}`, () => {
      const g = buildGraph(zooArch(model), { resolution: 128, classes: 10 });
      const program = compileTraining(g, builtinScheme(scheme, backboneConvs(g).length)!);
      const r = program.report;
      const params = syntheticParams(g, 1);
      const samples = syntheticSamples(g, DEFAULT_EXPORT_SAMPLES, 3);
      const listed = new Map(r.firmware.objects.filter((o) => o.section === 'data' || o.section === 'bss').map((o) => [o.symbol, o.bytes]));
      listed.delete('alignment');

      for (const target of TARGETS) {
        const what = `${scheme} ${target}`;
        // The stm32f746's RAM region is the budget: at the figure it links.
        const files = exportCProject(program, params, samples, { target, sramBudget: r.peakSramBytes });
        const dir = writeProject(files, join(root, `${model}-${scheme.replace(/\W/g, '_')}-${target}`));
        reuseObjects(files, dir);
        const build = make(dir, 'all');
        expect(build.status, `${what}: ${build.stderr.slice(-2000)}`).toBe(0);
        if (!objects.has(files['tt_kernels.c'])) keepObject(files, dir, 'tt_kernels.c');
        for (const p of ['tt_params.c', 'tt_samples.c', 'tt_step.c', 'main.c']) if (!objects.has(files[p])) keepObject(files, dir, p);
        const elf = join(dir, 'build/firmware.elf');

        // Symbol by symbol: the ELF's RAM is the report's list.
        const syms = ramSymbols(elf);
        for (const [sym, bytes] of syms) expect(listed.get(sym), `${what}: RAM symbol ${sym} (${bytes} bytes)`).toBe(bytes);
        for (const [sym, bytes] of listed) expect(syms.get(sym), `${what}: listed ${sym} (${bytes} bytes) not in the ELF`).toBe(bytes);
        const stack = Number(/_stack_size = (\d+);/.exec(readFileSync(join(dir, `${target}.ld`), 'utf8'))?.[1]);
        expect(stack).toBe(r.firmware.stackBytes);

        const size = armSize(elf);
        const sram = size.data + size.bss;
        expect(r.peakSramBytes - sram, `${what}: report ${r.peakSramBytes}, data + bss ${sram}`).toBeGreaterThanOrEqual(0);
        expect(r.peakSramBytes - sram, `${what}: report ${r.peakSramBytes}, data + bss ${sram}`).toBeLessThanOrEqual(SRAM_SLACK);
        const flash = size.text + size.data;
        expect(Math.abs(r.flashBytes - flash) / flash, `${what}: report Flash ${r.flashBytes}, text + data ${flash}`).toBeLessThanOrEqual(FLASH_TOLERANCE);
      }

      // One byte under the figure: over in the report, refused by the export with the same numbers.
      const under = r.peakSramBytes - 1;
      const tight = compileTraining(g, builtinScheme(scheme, backboneConvs(g).length)!, { sramBudget: under });
      expect(tight.report.peakSramBytes).toBe(r.peakSramBytes);
      expect(tight.report.sramFits).toBe(false);
      expect(tight.report.messages[0]).toContain(`missing 1 `);
      expect(() => exportCProject(tight, params, samples, { target: 'stm32f746' }))
        .toThrow(`needs ${r.peakSramBytes.toLocaleString('en-US')} bytes of SRAM, the budget is ${under.toLocaleString('en-US')}: missing 1 `);
      const fits = compileTraining(g, builtinScheme(scheme, backboneConvs(g).length)!, { sramBudget: r.peakSramBytes });
      expect(fits.report.sramFits).toBe(true);
    });
  }
});
