/**
 * The real boards' exports (engine/targets.ts entries with platform 'board'): for mcunet-5fps@99kb at
 * 128x128 each links with arm-none-eabi-gcc and -Wall -Wextra -Werror for its core, at its memory map:
 * - the budget set to the report's SRAM figure links (the RAM region is the budget), and data + bss is
 *   that figure less at most the alignment allowance; text + data is the Flash figure within 1%;
 * - the vector table is at the start of the FLASH region, RAM symbols inside the RAM block, and the
 *   ELF's attributes name the core (and the FPU);
 * - the RP2350 image carries its IMAGE_DEF block in its first 4 KB; the Nano 33 BLE's starts at 0x10000;
 * - a budget one byte under the figure: the report is over ("missing 1") and the export refuses with the
 *   TFLM-style sentence naming the region and the overflow, the same numbers; a board too small for
 *   the scheme at all (the STM32F411's 128 KB) is refused naming its SRAM and the overflow.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples } from '../src/engine/codegen/index.ts';
import { hex, targetSpec } from '../src/engine/codegen/c-target.ts';
import { ARDUINO_LINK_REFUSAL } from '../src/engine/codegen/c-arduino.ts';
import { ALIGNMENT_ALLOWANCE, DEFAULT_EXPORT_SAMPLES, STACK_RESERVE } from '../src/engine/firmware/static-objects.ts';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { buildGraph } from '../src/engine/models/build.ts';
import { syntheticParams } from '../src/engine/models/synthetic.ts';
import { zooArch } from '../src/engine/models/zoo.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { CHIP_TARGETS } from '../src/engine/targets.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { armSize, make, run, writeProject } from './firmware.ts';
import { requireTool } from './require-tool.ts';

const hasArm = requireTool('arm-none-eabi-gcc') && requireTool('newlib') && requireTool('arm-none-eabi-size');
const BOARDS = CHIP_TARGETS.filter((t) => t.build?.platform === 'board');
const dirs: string[] = [];
afterAll(() => {
  if (!process.env.TINYTRAIN_KEEP_FIRMWARE) for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
const scheme = builtinScheme('mcunet-5fps@99kb', backboneConvs(g).length)!;
const params = syntheticParams(g, 1);
const samples = syntheticSamples(g, DEFAULT_EXPORT_SAMPLES, 3);
const CPU_ARCH: Record<string, string> = { 'cortex-m4': 'v7E-M', 'cortex-m7': 'v7E-M', 'cortex-m33': 'v8-M.mainline', 'cortex-m55': 'v8.1-M.mainline' };
const fmt = (n: number) => n.toLocaleString('en-US');

/** Symbol -> address (nm). */
function symbols(elf: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of run('arm-none-eabi-nm', [elf]).stdout.matchAll(/^([0-9a-f]{8}) \w (\S+)$/gm)) out.set(m[2], parseInt(m[1], 16));
  return out;
}

describe('board targets link within their budgets', () => {
  it('every buildable board of the issue is in the table', () => {
    expect(BOARDS.map((t) => t.id)).toEqual(['stm32f746', 'stm32h743', 'nrf52840', 'stm32f411', 'stm32f412', 'rp2350', 'alif-e3-he']);
  });

  for (const chip of BOARDS) {
    it.skipIf(!hasArm)(`${chip.id}: links at its memory map, at the report's SRAM figure as the budget`, () => {
      const b = chip.build!;
      const program = compileTraining(g, scheme, { sramBudget: chip.build?.ramBlock?.bytes ?? chip.sramBytes });
      const r = program.report;
      const spec = targetSpec(chip.id, r.peakSramBytes, STACK_RESERVE);
      if (r.peakSramBytes > spec.ramBlock.bytes) {
        // Too small for this scheme: refused, naming the region and the overflow.
        expect(() => exportCProject(program, params, samples, { target: chip.id }))
          .toThrow(`region \`RAM' (SRAM at ${hex(b.ramOrigin)}) overflowed by ${fmt(r.peakSramBytes - spec.ramBlock.bytes)} bytes: the firmware needs ${fmt(r.peakSramBytes)} bytes of SRAM`);
        const fits = compileTraining(g, builtinScheme('mcunet-5fps@49kb', backboneConvs(g).length)!, { sramBudget: chip.trainBudget });
        expect(fits.report.sramFits, `${chip.id}: the 49kb scheme fits`).toBe(true);
        return;
      }
      if (r.flashBytes > spec.flashBytes) {
        // Its RAM holds the scheme but its Flash not the model (the STM32F411's 512 KB against mcunet-5fps's 0.8 MB):
        // refused, naming the region and the overflow.
        expect(() => exportCProject(program, params, samples, { target: chip.id, sramBudget: r.peakSramBytes }))
          .toThrow(`region \`FLASH' (at ${hex(spec.flashOrigin)}) overflowed by about ${fmt(r.flashBytes - spec.flashBytes)} bytes`);
        return;
      }
      const files = exportCProject(program, params, samples, { target: chip.id, sramBudget: r.peakSramBytes });
      const dir = writeProject(files, undefined);
      dirs.push(dir);
      expect(files.Makefile).toContain(`ARCH = ${b.cflags}`);
      expect(files.Makefile).toContain('-Wall -Wextra -Werror');
      expect(files['CMakeLists.txt']).toContain(`set(TT_ARCH ${b.cflags})`);
      expect(files[spec.platformFile]).toMatch(/==== BOARD HOOK \(clock\)/);
      expect(files[spec.platformFile]).toMatch(/__attribute__\(\(weak\)\) void tt_board_putc/);
      const build = make(dir, 'all');
      expect(build.status, `${chip.id}: ${build.stderr.slice(-3000)}`).toBe(0);
      const elf = join(dir, 'build/firmware.elf');

      const size = armSize(elf);
      const sram = size.data + size.bss;
      expect(r.peakSramBytes - sram, `${chip.id}: report ${r.peakSramBytes}, data + bss ${sram}`).toBeGreaterThanOrEqual(0);
      expect(r.peakSramBytes - sram).toBeLessThanOrEqual(ALIGNMENT_ALLOWANCE);
      expect(Math.abs(r.flashBytes - (size.text + size.data)) / (size.text + size.data)).toBeLessThanOrEqual(0.01);
      const ld = readFileSync(join(dir, `${chip.id}.ld`), 'utf8');
      expect(ld).toContain(`RAM   (rwx) : ORIGIN = ${hex(b.ramOrigin)}, LENGTH = ${r.peakSramBytes}`);
      expect(ld).toContain(`FLASH (rx)  : ORIGIN = ${hex(b.flashOrigin)}, LENGTH = ${spec.flashBytes}`);

      const syms = symbols(elf);
      expect(syms.get('tt_vectors'), chip.id).toBe(b.flashOrigin);
      for (const s of ['_sdata', '_ebss', '_estack']) {
        expect(syms.get(s)!, `${chip.id} ${s}`).toBeGreaterThanOrEqual(b.ramOrigin);
        expect(syms.get(s)!, `${chip.id} ${s}`).toBeLessThanOrEqual(b.ramOrigin + spec.ramBlock.bytes);
      }
      if (b.bootBlock) {
        const at = syms.get('tt_image_def')!;
        expect(at - b.flashOrigin).toBeLessThan(4096);
        const bytes = run('arm-none-eabi-objdump', ['-s', '-j', '.isr_vector', elf]).stdout;
        // The block's words as the boot ROM reads them (little-endian).
        expect(bytes).toContain('d3deffff 42012110 ff010000 00000000');
      }
      // The core's build attributes: the right CPU and a hard-float ABI.
      const attrs = run('arm-none-eabi-readelf', ['-A', join(dir, 'build/obj-arm/tt_kernels.o')]).stdout;
      expect(attrs).toMatch(/Tag_ABI_VFP_args: VFP registers/);
      expect(attrs).toContain(`Tag_CPU_arch: ${CPU_ARCH[chip.core]}`);
      if (chip.core === 'cortex-m55') expect(attrs).toContain('Tag_MVE_arch: MVE Integer and FP');

      // One byte under the figure: over in the report and refused by the export with the same numbers.
      const tight = compileTraining(g, scheme, { sramBudget: r.peakSramBytes - 1 });
      expect(tight.report.messages[0]).toContain(`requested ${fmt(r.peakSramBytes)} bytes, available ${fmt(r.peakSramBytes - 1)}, missing 1 `);
      expect(() => exportCProject(tight, params, samples, { target: chip.id }))
        .toThrow(`region \`RAM' (${spec.ramBlock.name} at ${hex(b.ramOrigin)}) overflowed by 1 bytes: the firmware needs ${fmt(r.peakSramBytes)} bytes of SRAM, ` +
          `the budget is ${fmt(r.peakSramBytes - 1)}: missing 1 `);
    });
  }
});

/**
 * The serial link on every target the export builds for: the -DTT_LINK project (mbv2-w0.35@49kb at
 * 32x32; mcunet-5fps's parameters exceed the STM32F411's Flash) builds with -Wall -Wextra -Werror, links
 * the target's UART driver (tt_uart.c, its family's registers at the target's base) and the link; without -DTT_LINK neither is in the firmware. (On the
 * QEMU boards, tests/device-link.test.ts trains through each driver.) The Nano 33 BLE's Arduino
 * library has no link and its README says so in one sentence.
 */
describe('the serial link builds on every target', () => {
  const small = buildGraph(zooArch('mbv2-w0.35'), { resolution: 32, classes: 10 });
  const smallProgram = compileTraining(small, builtinScheme('mbv2-w0.35@49kb', backboneConvs(small).length)!);
  for (const chip of CHIP_TARGETS.filter((t) => t.build)) {
    it.skipIf(!hasArm)(`${chip.id}: -DTT_LINK with the ${chip.build!.uart.family} driver of ${chip.build!.uart.name.split(' ')[0]}`, () => {
      const files = exportCProject(smallProgram, syntheticParams(small, 1), syntheticSamples(small, 2, 3), { target: chip.id });
      expect(files['tt_uart.c']).toContain(`#define TT_UART_BASE ${hex(chip.build!.uart.base)}u`);
      const dir = writeProject(files);
      dirs.push(dir);
      const build = make(dir, 'all', { EXTRA_CFLAGS: '-DTT_LINK' });
      expect(build.status, `${chip.id}: ${build.stderr.slice(-3000)}`).toBe(0);
      const syms = symbols(join(dir, 'build/firmware.elf'));
      for (const s of ['tt_link_run', 'tt_uart_init', 'tt_uart_get', 'tt_uart_put', 'tt_uart_flush', 'tt_uart_board_init', 'tt_predict']) expect(syms.has(s), `${chip.id}: ${s}`).toBe(true);
      // Without -DTT_LINK the driver compiles to nothing.
      const plain = writeProject(files);
      dirs.push(plain);
      expect(make(plain, 'all').status).toBe(0);
      expect(symbols(join(plain, 'build/firmware.elf')).has('tt_uart_init')).toBe(false);
    });
  }

  it('the Arduino library says in one sentence that it has no link', () => {
    const files = exportCProject(smallProgram, syntheticParams(small, 1), syntheticSamples(small, 2, 3), { target: 'nrf52840', layout: 'arduino' });
    expect(files['TinyTrain/README.md']).toContain(ARDUINO_LINK_REFUSAL);
    expect(Object.keys(files).some((f) => /tt_link|tt_uart/.test(f))).toBe(false);
  });
});
