import { describe, expect, it } from 'vitest';
import type { Buffer } from '../memory/lifetimes.ts';
import { findOverlap, liveLowerBound } from '../memory/planner.ts';
import { planWithWorkspaces, type WorkspaceBuffer } from './workspaces.ts';

const buf = (id: string, bytes: number, start: number, end: number): Buffer => ({ id, bytes, start, end, category: 'activation', members: [id] });
const ws = (id: string, bytes: number, step: number, floor = 0): WorkspaceBuffer =>
  ({ id, bytes, start: step, end: step, category: 'scratch', members: [], floor });

describe('workspaces carved from the arena', () => {
  // A lives steps 0-2 (104 bytes aligned), B step 1 (200): the others' arena is 304 bytes.
  const others = [buf('A', 100, 0, 2), buf('B', 200, 1, 1)];

  it('a workspace takes what its step leaves free, never raising the arena past the headroom', () => {
    const { buffers, plan } = planWithWorkspaces(others, [ws('w0', 1000, 0), ws('w1', 1000, 1), ws('w2', 1000, 2)], 0);
    expect(plan.arenaBytes).toBe(304);
    const size = Object.fromEntries(buffers.map((b) => [b.id, b.bytes]));
    // Steps 0 and 2 leave 200 bytes free beside A; step 1 none (the workspace is dropped).
    expect(size).toEqual({ A: 100, B: 200, w0: 200, w2: 200 });
    expect(findOverlap(buffers, plan.offsets)).toBeNull();
    expect(liveLowerBound(buffers)).toBeLessThanOrEqual(plan.arenaBytes);
  });

  it('headroom lets the workspaces raise the arena by at most that much', () => {
    const { buffers, plan } = planWithWorkspaces(others, [ws('w1', 1000, 1)], 96);
    expect(plan.arenaBytes).toBe(400);
    expect(buffers.find((b) => b.id === 'w1')?.bytes).toBe(96);
    expect(findOverlap(buffers, plan.offsets)).toBeNull();
    // Unbounded: the whole workspace.
    const all = planWithWorkspaces(others, [ws('w1', 1000, 1)], Infinity);
    expect(all.buffers.find((b) => b.id === 'w1')?.bytes).toBe(1000);
    expect(all.plan.arenaBytes).toBe(1304);
  });

  it('a workspace under its floor (the fast path off) gets its floor above the ceiling', () => {
    const { buffers, plan } = planWithWorkspaces(others, [ws('w1', 1000, 1, 256)], 96);
    expect(buffers.find((b) => b.id === 'w1')?.bytes).toBe(256);
    expect(plan.arenaBytes).toBe(560);
    expect(findOverlap(buffers, plan.offsets)).toBeNull();
  });
});
