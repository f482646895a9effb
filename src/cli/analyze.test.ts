/**
 * `tinytrain analyze` as a user runs it, on the shipped demo model and images with a tiny analysis:
 * one JSON document on stdout with --json (progress on stderr), the text tables otherwise, and one
 * sentence on stderr for bad input, a too-small dataset or a budget no scheme fits.
 */
import { describe, expect, it } from 'vitest';
import { parseOneJson, tinytrain } from './cli-harness.ts';

const tiny = ['analyze', '--model', 'tinytrain-demo', '--dataset', 'demo', '--train', '40', '--val', '20', '--bias-ks', '2,4', '--weight-base-k', '2', '--ratios', '1/2,1', '--workers', '2'];

interface Doc {
  jobs: { id: string; status: string; valAccuracy: number | null }[];
  baseline: number;
  biasGain: Record<string, number>;
  weightGain: Record<string, Record<string, number>>;
  search: { budgetBytes: number; best: { scheme: { nBias: number }; gain: number; memoryBytes: number } | null; front: unknown[]; message?: string };
}

describe('tinytrain analyze', () => {
  it('--json: the measured jobs, the gains and the searched scheme in one document', async () => {
    const r = await tinytrain(...tiny, '--json', '--budget', '128KB');
    const doc = parseOneJson<Doc>(r);
    expect(doc.jobs.map((j) => j.id)).toEqual(['baseline', 'bias:2', 'bias:4', 'weight:22:0.5', 'weight:22:1', 'weight:23:0.5', 'weight:23:1']);
    expect(doc.jobs.every((j) => j.status === 'completed' && j.valAccuracy !== null)).toBe(true);
    expect(Object.keys(doc.biasGain)).toEqual(['2', '4']);
    expect(doc.biasGain['2']).toBeCloseTo((doc.jobs[1].valAccuracy! - doc.baseline) * 100, 9);
    expect(Object.keys(doc.weightGain)).toEqual(['22', '23']);
    expect(doc.search.best!.memoryBytes).toBeLessThanOrEqual(128 * 1024);
    expect(doc.search.front.length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/\[7\/7\] \S+ +\d+\.\d%/);
  }, 180_000);

  it('prints the bias-k curve, the conv x ratio table, the best scheme and the Pareto front', async () => {
    const r = await tinytrain(...tiny.slice(0, -2), '--workers', '1', '--ratios', '1');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/bias updates of the last k convs/);
    expect(r.stdout).toMatch(/0 \(head only\) +\d+\.\d%/);
    expect(r.stdout).toMatch(/conv +1\n/);
    expect(r.stdout).toMatch(/best scheme under 256\.0 KB/);
    expect(r.stdout).toMatch(/Pareto front/);
  }, 180_000);

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
    expect(small.stderr).toMatch(/^tinytrain analyze: the dataset has \d+ images, too few to measure gains: .* 8 validation images\n$/);
  }, 60_000);
});
