/** The one target table: each entry either builds (its own core and memory map) or is refused in one sentence. */
import { describe, expect, it } from 'vitest';
import { exportCProject, syntheticSamples } from './codegen/index.ts';
import { targetSpec } from './codegen/c-target.ts';
import { isInputError } from './input-error.ts';
import { backboneConvs } from './ir/graph.ts';
import { buildGraph } from './models/build.ts';
import { syntheticParams } from './models/synthetic.ts';
import { zooArch } from './models/zoo.ts';
import { compileTraining } from './program/compile.ts';
import { BUILD_TARGETS, CHIP_TARGETS, exportRefusal } from './targets.ts';
import { builtinScheme } from './train/builtin-schemes.ts';

describe('targets', () => {
  it('exports for the boards and QEMU\'s four Cortex-M boards, each with its own memory map; the others are planning targets', () => {
    expect(BUILD_TARGETS).toEqual(['stm32f746', 'mps2-an386', 'mps2-an500', 'mps2-an505', 'mps3-an547', 'stm32h743', 'nrf52840', 'stm32f411', 'stm32f412',
      'rp2350', 'alif-e3-he']);
    // The H743's step links into its AXI SRAM block whatever the budget; the Nano 33 BLE's image starts after its bootloader.
    const h743 = targetSpec('stm32h743', 1024 * 1024, 2048);
    expect([h743.ramOrigin, h743.ramBytes, h743.ramBlock.name]).toEqual([0x24000000, 512 * 1024, 'AXI SRAM']);
    const nano = targetSpec('nrf52840', 200 * 1024, 2048);
    expect([nano.flashOrigin, nano.flashBytes, nano.ramOrigin, nano.ramBytes]).toEqual([0x10000, 960 * 1024, 0x20000000, 200 * 1024]);
    expect(targetSpec('rp2350', 200 * 1024, 2048).bootBlock).toBe('rp2350-image-def');
    const f746 = targetSpec('stm32f746', 200 * 1024, 2048);
    expect([f746.flashOrigin, f746.ramOrigin, f746.ramBytes, f746.flashBytes]).toEqual([0x08000000, 0x20000000, 200 * 1024, 1024 * 1024]);
    const an500 = targetSpec('mps2-an500', 200 * 1024, 2048);
    expect([an500.flashOrigin, an500.ramOrigin, an500.ramBytes, an500.flashBytes]).toEqual([0, 0x20000000, 4096 * 1024, 4096 * 1024]);
    // The TrustZone boards run secure: code and data at the secure aliases; the M55 boots from its ITCM.
    const an505 = targetSpec('mps2-an505', 200 * 1024, 2048);
    expect([an505.flashOrigin, an505.ramOrigin, an505.qemuMachine]).toEqual([0x10000000, 0x38000000, 'mps2-an505']);
    const an547 = targetSpec('mps3-an547', 200 * 1024, 2048);
    expect([an547.vectors?.origin, an547.flashOrigin, an547.ramOrigin, an547.ramBytes]).toEqual([0x10000000, 0x11000000, 0x30000000, 512 * 1024]);
    for (const t of CHIP_TARGETS) {
      expect(t.trainBudget).toBeLessThanOrEqual(t.sramBytes);
      const why = exportRefusal(t.id);
      if (t.build) expect(why).toBeNull();
      else expect(why).toMatch(new RegExp(`^export: ${t.label.replace(/[()+]/g, '\\$&')} is a memory-planning target; the export cannot build for it yet \\(it builds for STM32F746 \\(Cortex-M7\\), .* and Alif Ensemble E3 M55-HE \\(Cortex-M55\\)\\)\\.$`));
    }
  });

  it('the export refuses a planning target with that sentence, as a refusal (InputError)', () => {
    const g = buildGraph(zooArch('mbv2-w0.35'), { resolution: 32, classes: 10 });
    const p = compileTraining(g, builtinScheme('mbv2-w0.35@49kb', backboneConvs(g).length)!);
    for (const id of ['rp2040', 'esp32']) {
      let error: unknown;
      try {
        exportCProject(p, syntheticParams(g, 1), syntheticSamples(g, 1), { target: id });
      } catch (e) {
        error = e;
      }
      expect(isInputError(error), id).toBe(true);
      expect((error as Error).message).toBe(exportRefusal(id));
    }
  });
});
