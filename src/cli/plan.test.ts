/**
 * `tinytrain plan` as a user runs it: the JSON report DESIGN.md names, the same figures the engine
 * computes, budgets, and errors as one sentence.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../engine/models/build.ts';
import { zooArch } from '../engine/models/zoo.ts';
import { compileTraining } from '../engine/program/compile.ts';
import { builtinScheme } from '../engine/train/builtin-schemes.ts';
import { parseOneJson, tinytrain } from './cli-harness.ts';

interface PlanJson {
  peakSramBytes: number; flashBytes: number; analyticBytes: number; fits: boolean; messages: string[];
  breakdown: Record<string, number>; peak: { step: number; kernel: string; op: string }; arenaBytes: number;
}

describe('tinytrain plan', () => {
  it('prints the report of the engine for a paper scheme, and a budget it misses', async () => {
    const [ok, tight, bad, badScheme] = await Promise.all([
      tinytrain('plan', '--model', 'mcunet-5fps', '--scheme', 'mcunet-5fps@99kb', '--json'),
      tinytrain('plan', '--model', 'mcunet-5fps', '--scheme', 'mcunet-5fps@99kb', '--sram-budget', '100KB', '--json'),
      tinytrain('plan', '--model', 'mcunet-5fps', '--scheme', 'mbv2-w0.35@99kb'),
      tinytrain('plan', '--model', 'mcunet-5fps', '--scheme', '/nonexistent/scheme.json'),
    ]);
    const r = parseOneJson<PlanJson>(ok);
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
    const engine = compileTraining(g, builtinScheme('mcunet-5fps@99kb', 42)!).report;
    expect(r.peakSramBytes).toBe(engine.peakSramBytes);
    expect(r.flashBytes).toBe(engine.flashBytes);
    expect(Math.round((r.analyticBytes / 1024) * 10) / 10).toBe(99.8);
    expect(Object.values(r.breakdown).reduce((a, b) => a + b, 0)).toBe(r.peakSramBytes);
    expect(r.peak.kernel).toBe(engine.peak.kernel);
    expect(r.fits).toBe(true);
    expect(r.peakSramBytes).toBeLessThan(173 * 1024); // the paper's 173 KB for this scheme

    const t = parseOneJson<PlanJson>(tight);
    expect(t.fits).toBe(false);
    expect(t.messages[0]).toMatch(/^SRAM: requested [\d,]+ bytes, available 102,400, missing [\d,]+ \(peak at step \d+, .+\)\.$/);

    expect(bad.status).not.toBe(0);
    expect(bad.stderr.trim()).toMatch(/^tinytrain plan: --scheme "mbv2-w0.35@99kb" was found for mbv2-w0.35, not mcunet-5fps; try mcunet-5fps@49kb, .*$/);
    expect(badScheme.status).not.toBe(0);
    expect(badScheme.stderr.trim()).toBe('tinytrain plan: --scheme "/nonexistent/scheme.json" is neither a built-in scheme nor a readable JSON file');
  });

  it('takes budgets from the target table; the export refuses a planning-only target and a budget under the linked figure, writing nothing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'tinytrain-export-'));
    const base = ['--model', 'mcunet-5fps', '--scheme', 'mcunet-5fps@99kb', '--dataset', 'synthetic'];
    const [rp, tight, planRp] = await Promise.all([
      tinytrain('export', ...base, '--target', 'rp2040', '--out', join(out, 'rp')),
      tinytrain('export', ...base, '--target', 'stm32f746', '--sram-budget', '100KB', '--out', join(out, 'tight')),
      tinytrain('plan', '--model', 'mcunet-5fps', '--scheme', 'mcunet-5fps@99kb', '--target', 'rp2040', '--json'),
    ]);
    expect(rp.status).toBe(1);
    expect(rp.stderr.trim()).toBe('tinytrain export: --target: RP2040 (Cortex-M0+) is a memory-planning target; the export cannot build for it yet ' +
      '(it builds for STM32F746 (Cortex-M7), MPS2 AN386 (Cortex-M4F, QEMU), MPS2 AN500 (Cortex-M7, QEMU), MPS2 AN505 (Cortex-M33, QEMU), MPS3 AN547 (Cortex-M55, QEMU), ' +
      'STM32H743 (Cortex-M7), nRF52840 / Arduino Nano 33 BLE Sense (Cortex-M4F), STM32F411 (Cortex-M4F), STM32F412 (Cortex-M4F), RP2350 / Raspberry Pi Pico 2 (Cortex-M33) ' +
      'and Alif Ensemble E3 M55-HE (Cortex-M55)).');
    const g = buildGraph(zooArch('mcunet-5fps'), { resolution: 128, classes: 10 });
    const sram = compileTraining(g, builtinScheme('mcunet-5fps@99kb', 42)!).report.peakSramBytes;
    expect(tight.status).toBe(1);
    expect(tight.stderr).toContain(`region \`RAM' (SRAM at 0x20000000) overflowed by ${(sram - 102400).toLocaleString('en-US')} bytes: the firmware needs ${sram.toLocaleString('en-US')} bytes of SRAM, the budget is 102,400: missing ${(sram - 102400).toLocaleString('en-US')}`);
    expect(readdirSync(out)).toEqual([]);
    // The RP2040's default training budget (200 KB) and 2 MB of Flash.
    const p = parseOneJson<PlanJson & { budgets: { sramBytes: number; flashBytes: number } }>(planRp);
    expect(p.budgets).toEqual({ sramBytes: 200 * 1024, flashBytes: 2048 * 1024 });
    expect(p.peakSramBytes).toBe(sram);
    rmSync(out, { recursive: true, force: true });
  });
});
