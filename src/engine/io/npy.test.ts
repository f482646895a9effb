import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from './npy.ts';

describe('.npy', () => {
  it('round-trips int8, int32 and float32 arrays with their shape, header aligned to 64 bytes', () => {
    for (const a of [Int8Array.of(-128, 0, 127, 5, 6, 7), Int32Array.of(1, -2, 3, 4, 5, 6), Float32Array.of(0.5, -1, 3, NaN, 1e-9, 6)]) {
      const bytes = writeNpy(a, [2, 3]);
      expect((bytes[8] | (bytes[9] << 8)) + 10).toBe(128);
      const r = readNpy(bytes);
      expect(r.shape).toEqual([2, 3]);
      expect(r.data.constructor).toBe(a.constructor);
      expect(Array.from(r.data)).toEqual(Array.from(a));
    }
    expect(readNpy(writeNpy(Float32Array.of(1), [1])).shape).toEqual([1]);
  });

  it('refuses what it cannot read', () => {
    expect(() => readNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow(/x.npy is not a .npy file/);
    const f = writeNpy(Float32Array.of(1, 2), [2]);
    const at = f.findIndex((_, i) => f[i] === 0x3c && f[i + 1] === 0x66 && f[i + 2] === 0x34); // '<f4'
    f.set([0x3c, 0x63, 0x38], at); // '<c8'
    expect(() => readNpy(f)).toThrow(/dtype <c8 is not supported/);
    expect(() => writeNpy(Float32Array.of(1, 2), [3])).toThrow(/holds 3 values/);
  });
});
