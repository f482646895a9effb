// Every role and op reads as words: the family's roles as before, a general graph's layers by their
// op where no role describes them, and any op string readable, never empty.
import { describe, expect, it } from 'vitest';
import { layerBadge, graphOpLabel, roleDescription, ROLE_DESCRIPTIONS } from './roles.ts';

describe('layer badges', () => {
  it('the family keeps its roles', () => {
    expect(layerBadge({ role: 'pw1', op: 'conv2d', block: 2 })).toEqual({ text: 'pw1', description: ROLE_DESCRIPTIONS.pw1, key: 'pw1' });
    expect(layerBadge({ role: 'residual', op: 'add', block: 2 }).text).toBe('residual');
    expect(layerBadge({ role: 'pool', op: 'avgpool', block: null }).description).toBe('Global average pool');
    expect(layerBadge({ role: 'classifier', op: 'linear', block: null }).key).toBe('classifier');
  });

  it('a general graph\'s layers: generic conv roles, adds that join branches, new ops', () => {
    expect(layerBadge({ role: 'conv', op: 'conv2d', block: null })).toMatchObject({ text: 'conv', key: 'conv' });
    expect(layerBadge({ role: 'fc', op: 'conv2d', block: null })).toMatchObject({ text: 'fc', key: 'fc' });
    const join = layerBadge({ role: 'residual', op: 'add', block: null });
    expect(join).toMatchObject({ text: 'add', key: 'add' });
    expect(join.description).toMatch(/branches/);
    // A role that does not fit the op (today's summary calls every other op a 'pool').
    expect(layerBadge({ role: 'pool', op: 'maxpool', block: null })).toMatchObject({ text: 'max pool', key: 'maxpool', description: 'Max pool' });
    expect(layerBadge({ role: 'concat', op: 'concat', block: null })).toMatchObject({ text: 'concat', key: 'concat' });
    expect(layerBadge({ role: 'reshape', op: 'reshape', block: undefined })).toMatchObject({ text: 'reshape', key: 'reshape' });
    expect(layerBadge({ role: 'pad', op: 'pad', block: undefined })).toMatchObject({ text: 'pad', key: 'pad' });
  });

  it('any op string is readable and short', () => {
    expect(graphOpLabel('DEPTHWISE_CONV_2D')).toBe('depthwise conv 2d');
    expect(graphOpLabel('logSoftmax')).toBe('log softmax');
    expect(graphOpLabel('')).toBe('op');
    expect(graphOpLabel('<>&"')).toBe('op');
    expect(graphOpLabel('a'.repeat(100))).toHaveLength(20);
    const b = layerBadge({ role: '', op: 'squeeze_excite', block: null });
    expect(b).toMatchObject({ text: 'squeeze excite', key: 'other' });
    expect(b.description.length).toBeGreaterThan(0);
    expect(roleDescription('mystery_role')).toBe('mystery role');
  });
});
