// The step-through worker's API (workers/step-api.ts), called directly: it compiles the page's program,
// refuses another, runs the warm-up steps and answers with the stepper's snapshots on a demo image.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backboneConvs } from '../src/engine/ir/graph.ts';
import { modelFromWeights } from '../src/engine/models/weights-file.ts';
import { compileTraining } from '../src/engine/program/compile.ts';
import { builtinScheme } from '../src/engine/train/builtin-schemes.ts';
import { DEMO_RUN } from '../src/engine/train/demo-run.ts';
import { createStepApi, type StepJob } from '../workers/step-api.ts';

function job(): { job: StepJob; timeline: number[] } {
  const bytes = new Uint8Array(readFileSync(new URL('../public/models/tinytrain-demo.ttw', import.meta.url)));
  const model = modelFromWeights(bytes, { fileName: 'tinytrain-demo.ttw', resolution: DEMO_RUN.resolution, classes: 10 });
  const scheme = builtinScheme(DEMO_RUN.scheme, backboneConvs(model.graph).length)!;
  const budgets = { sramBytes: 256 * 1024, flashBytes: 1024 * 1024 };
  const program = compileTraining(model.graph, scheme, { sramBudget: budgets.sramBytes, flashBudget: budgets.flashBytes });
  const data = new Uint8Array(readFileSync(new URL('../public/demo/fashion-demo.bin', import.meta.url)));
  return {
    job: { graph: model.graph, params: model.params, scheme, budgets, kernels: program.kernels.map((k) => k.name), data, image: 0, warmup: 3, lr: DEMO_RUN.lr },
    timeline: program.report.timeline.map((t) => t.total),
  };
}

describe('step-through worker API', () => {
  it('opens the step after the warm-up and answers every kernel with the timeline\'s live bytes', async () => {
    const { job: j, timeline } = job();
    const api = createStepApi();
    const opened = await api.open(j);
    expect(opened).toMatchObject({ kernels: timeline.length, update: 3 });
    expect(opened.image.width).toBe(DEMO_RUN.resolution);
    for (const i of [0, 20, timeline.length - 1, 5]) expect((await api.seek(i)).liveBytes).toBe(timeline[i]);
    // After warm-up steps the head is no longer zero, so the backbone's updates move weights.
    const updates = [];
    for (let i = 0; i < timeline.length; i++) updates.push(...(await api.seek(i)).params.filter((p) => p.kind === 'weight'));
    expect(updates.some((p) => p.changed > 0)).toBe(true);
  });
  it('refuses a program other than the page\'s, and bounds the warm-up and the rate', async () => {
    const { job: j } = job();
    const api = createStepApi();
    await expect(api.open({ ...j, kernels: j.kernels.slice(1) })).rejects.toThrow(/another program/);
    await expect(api.open({ ...j, warmup: 10_000 })).rejects.toThrow(/warm-up steps must be 0 to 500/);
    await expect(api.open({ ...j, lr: -1 })).rejects.toThrow(/learning rate/);
    await expect(api.open({ ...j, image: 5_000 })).rejects.toThrow(/demo image 5000/);
    await expect(api.seek(0)).rejects.toThrow(/no step is open/);
  });
});
