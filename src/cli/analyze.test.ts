/**
 * `tinytrain analyze` as a user runs it, on the shipped demo model and images with a tiny analysis:
 * one JSON document on stdout with --json (progress on stderr), the text tables otherwise, and one
 * sentence on stderr for bad input, a too-small dataset or a budget no scheme fits.
 */
import { describe, expect, it } from 'vitest';
import { parseOneJson, tinytrain } from './cli-harness.ts';

const tiny = ['analyze', '--model', 'tinytrain-demo', '--dataset', 'demo', '--train', '40', '--val', '20', '--test', '20', '--seeds', '2', '--finalists', '1', '--baselines', '2',
  '--bias-ks', '2,4', '--weight-base-k', '2', '--ratios', '1/2,1', '--workers', '2'];

interface Cand { name: string | null; kind: string; scheme: { nBias: number; weights: Record<string, number> }; gain: number; spread: number | null; memoryBytes: number; feasible: boolean }
interface Doc {
  split: { seed: number; train: number; val: number; test: number };
  jobs: { id: string; seed: number; status: string; valAccuracy: number | null }[];
  measurements: { seeds: number[]; baseline: number[]; bias: Record<string, number[]>; weight: Record<string, Record<string, number[]>> };
  search: { budgetBytes: number; best: Cand | null; front: Cand[]; references: Cand[]; message?: string };
  final: {
    testImages: number; winner: string; baselineWon: boolean; verdict: string; complete: boolean;
    finalists: { name: string; kind: string; role: string; why: string; gain: number; partial: string | null; test: { mean: number; sd: number | null; n: number } }[];
    notTrained: { name: string; reason: string; why: string; partial: string | null }[];
    jobs: { id: string; kind: string; status: string; testAccuracy: number | null }[];
  };
}

describe('tinytrain analyze', () => {
  it('--json: the measured runs per seed, the gains, the search with its references and the held-out comparison in one document', async () => {
    const r = await tinytrain(...tiny, '--json', '--budget', '128KB');
    const doc = parseOneJson<Doc>(r);
    expect(doc.split).toEqual({ seed: 1, train: 40, val: 20, test: 20 });
    const one = ['baseline', 'bias:2', 'bias:4', 'weight:22:0.5', 'weight:22:1', 'weight:23:0.5', 'weight:23:1'];
    expect(doc.jobs.map((j) => j.id)).toEqual([...one.map((id) => `${id}@1`), ...one.map((id) => `${id}@2`)]);
    expect(doc.jobs.every((j) => j.status === 'completed' && j.valAccuracy !== null)).toBe(true);
    expect(doc.measurements.seeds).toEqual([1, 2]);
    expect(Object.keys(doc.measurements.bias)).toEqual(['2', '4']);
    expect(doc.measurements.bias['2'][1]).toBeCloseTo((doc.jobs[8].valAccuracy! - doc.jobs[7].valAccuracy!) * 100, 9);
    expect(Object.keys(doc.measurements.weight)).toEqual(['22', '23']);
    const best = doc.search.best!;
    expect(best.memoryBytes).toBeLessThanOrEqual(128 * 1024);
    expect(best.spread).not.toBeNull();
    expect(doc.search.references.map((c) => c.name)).toEqual(['head-only', 'bias-only', 'last-2', 'last-4']);
    // No drawn reference beats the best on both gain and memory.
    for (const c of doc.search.references) expect(c.feasible && c.gain > best.gain && c.memoryBytes <= best.memoryBytes).toBe(false);
    // The final comparison: every run scored on the held-out images, the winner the best of them.
    expect(doc.final.complete).toBe(true);
    expect(doc.final.testImages).toBe(20);
    expect(doc.final.jobs.length).toBe(2 * doc.final.finalists.length);
    expect(doc.final.jobs.every((j) => j.kind === 'final' && j.status === 'completed' && j.testAccuracy !== null)).toBe(true);
    const top = Math.max(...doc.final.finalists.map((f) => f.test.mean));
    expect(doc.final.finalists.find((f) => f.name === doc.final.winner)!.test.mean).toBe(top);
    const winner = doc.final.finalists.find((f) => f.name === doc.final.winner)!;
    expect(doc.final.baselineWon).toBe(winner.kind === 'baseline');
    expect(doc.final.verdict).toMatch(doc.final.baselineWon ? /^A baseline won: / : / won on 20 held-out images: /);
    // The baselines: at most --baselines in the final, the best by estimate among them; every other one listed with the reason.
    const fitting = doc.search.references.filter((c) => c.kind === 'baseline' && c.feasible).sort((a, b) => b.gain - a.gain || b.memoryBytes - a.memoryBytes);
    const trained = doc.final.finalists.filter((f) => f.kind === 'baseline');
    expect(trained.length).toBeGreaterThanOrEqual(1);
    expect(trained.length).toBeLessThanOrEqual(2);
    expect(trained.map((f) => f.name)).toContain(fitting[0].name);
    expect(new Set([...trained.map((f) => f.name), ...doc.final.notTrained.map((l) => l.name)])).toEqual(new Set(doc.search.references.map((c) => c.name)));
    for (const l of doc.final.notTrained) expect(['over budget', 'below', 'cap']).toContain(l.reason);
    // last-4 trains conv 20 and 21's weights, not measured (only 22 and 23 were): its estimate is flagged as partial wherever it is listed.
    const last4 = [...doc.final.finalists, ...doc.final.notTrained].find((f) => f.name === 'last-4')!;
    expect(last4.partial).toBe('partial estimate: no gain counted for convs 20–21 weights at 1 (not measured)');
    expect(r.stderr).toMatch(/\[14\/14\] \S+ +\d+\.\d%/);
  }, 240_000);

  it('prints the bias-k curve and the conv x ratio table with their spread, the best scheme, the Pareto front and the final table', async () => {
    const r = await tinytrain(...tiny.slice(0, -2), '--workers', '1', '--ratios', '1');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/bias updates of the last k convs .*mean ± standard deviation over 2 seeds/);
    expect(r.stdout).toMatch(/k +val acc +gain +±\n/);
    expect(r.stdout).toMatch(/0 \(head only\) +\d+\.\d% ± \d+\.\d/);
    expect(r.stdout).toMatch(/conv +1\n/);
    expect(r.stdout).toMatch(/best summed gain under 256\.0 KB/);
    expect(r.stdout).toMatch(/Pareto front/);
    expect(r.stdout).toMatch(/candidate +why +scheme +peak SRAM +est\. gain +± +val acc +held-out acc +runs/);
    expect(r.stdout).toMatch(/\n\* last-4: partial estimate: no gain counted for convs 20–21 weights at 1 \(not measured\)\n/);
    expect(r.stdout).toMatch(/baselines not trained:\nbaseline +peak SRAM +est\. gain +± +why not\n/);
    expect(r.stdout).toMatch(/ winner\n/);
    expect(r.stdout).toMatch(/(A baseline won: .*|won on 20 held-out images: .*)\n/);
  }, 240_000);

  it('a budget no scheme fits: the measurements are printed, then one sentence and exit 1', async () => {
    const r = await tinytrain(...tiny.slice(0, -2), '--workers', '1', '--ratios', '1', '--json', '--budget', '2KB');
    expect(r.status).toBe(1);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.jobs.every((j) => j.status === 'completed')).toBe(true);
    expect(doc.search.best).toBeNull();
    expect(r.stderr.trim().split('\n').pop()).toMatch(/^tinytrain analyze: no scheme fits 2\.0 KB: the smallest one tried needs \d+\.\d KB$/);
  }, 180_000);

  it('refuses bad settings and a dataset too small to measure, in one sentence', async () => {
    const bad = await tinytrain('analyze', '--model', 'tinytrain-demo', '--dataset', 'demo', '--ratios', '0.3');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('tinytrain analyze: ratio 0.3 is not one of 1/8, 1/4, 1/2, 1\n');
    const small = await tinytrain('analyze', '--model', 'tinytrain-demo', '--dataset', 'demo', '--val', '8', '--json');
    expect(small.status).toBe(1);
    expect(small.stdout).toBe('');
    expect(small.stderr).toMatch(/^tinytrain analyze: the dataset has \d+ images, too few to measure gains: .* 8 validation and \d+ test images\n$/);
    const seeds = await tinytrain('analyze', '--model', 'tinytrain-demo', '--dataset', 'demo', '--seeds', '0');
    expect(seeds.stderr).toBe('tinytrain analyze: --seeds must be a whole number from 1 to 10, got "0"\n');
  }, 60_000);
});
