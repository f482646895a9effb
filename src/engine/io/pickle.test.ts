import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ModelFileError } from './errors.ts';
import { isNdArray, numpyHooks, type NdArray } from './numpy.ts';
import { unpickle, type PyValue, type UnpickleOptions } from './pickle.ts';
import { readTorchPickleZip } from './read-pickle-zip.ts';
import { PickleWriter, modelZip } from './test-helpers.ts';
import { listZipEntries, readZipEntry } from './zip.ts';

const P = () => new PickleWriter().proto();
const run = (w: PickleWriter | Uint8Array, o?: UnpickleOptions): PyValue =>
  unpickle(w instanceof Uint8Array ? w : w.bytes(), numpyHooks, o);

function expectError(f: () => unknown, message: RegExp): ModelFileError {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ModelFileError);
  expect((err as Error).message).toMatch(message);
  return err as ModelFileError;
}

const realZip = new Uint8Array(readFileSync(new URL('../../../../shared/models/tiny-training/mcunet-5fps.pkl', import.meta.url)));
const realPickle = readZipEntry(realZip, listZipEntries(realZip)[0]);

describe('pickle machine: plain values', () => {
  it('decodes dicts, lists, tuples and scalars', () => {
    const w = P().emptyDict().put(0).mark()
      .str('n').none().str('t').bool(true).str('f').bool(false)
      .str('i1').int(200).str('i2').int(40000).str('i4').int(-5).str('x').float(0.1)
      .str('tup').int(1).int(2).tuple(2).str('list').emptyList().mark().int(1).str('a').appends()
      .setitems().stop();
    const v = run(w) as Record<string, PyValue>;
    expect(Object.getPrototypeOf(v)).toBe(null);
    expect({ ...v }).toEqual({ n: null, t: true, f: false, i1: 200, i2: 40000, i4: -5, x: 0.1, tup: [1, 2], list: [1, 'a'] });
  });

  it('supports the other common opcodes (protocol 4 style)', () => {
    const w = new PickleWriter().proto(4).raw(0x95).u32(5).u32(0) // FRAME
      .raw(0x8c, 1, 0x6b).raw(0x94).raw(0x30) // SHORT_BINUNICODE 'k', MEMOIZE, POP
      .mark()
      .mark().int(7).int(8).raw(0x6c) // LIST
      .raw(0x32, 0x30) // DUP, POP
      .raw(0x8a, 1, 0xff).raw(0x61) // LONG1 -1, APPEND
      .raw(0x8a, 2, 0x80, 0x00) // LONG1 128
      .raw(0x8a, 7, 1, 0, 0, 0, 0, 0, 0x1f) // LONG1 0x1f000000000001, still below 2^53
      .raw(0x29) // EMPTY_TUPLE
      .raw(0x42).u32(2).raw(9, 8) // BINBYTES
      .raw(0x43, 1, 5) // SHORT_BINBYTES
      .tuple(3).tuple('mark')
      .raw(0x6a).u32(0).tuple(1) // LONG_BINGET 'k', TUPLE1
      .mark().raw(0x64) // DICT {}
      .mark().raw(0x31) // MARK, POP_MARK
      .tuple(3).stop();
    const v = run(w) as PyValue[];
    expect(v[0]).toEqual([[7, 8, -1], 128, 0x1f000000000001, [[], new Uint8Array([9, 8]), new Uint8Array([5])]]);
    expect(v[1]).toEqual(['k']);
    expect(Object.keys(v[2] as object)).toEqual([]);
  });

  it('stringifies int keys and keeps "__proto__" a harmless own key', () => {
    const v = run(P().emptyDict().mark().int(3).str('three').str('__proto__').str('p').setitems().stop()) as Record<string, PyValue>;
    expect(Object.keys(v)).toEqual(['3', '__proto__']);
    expect(v['3']).toBe('three');
    expect(Object.getPrototypeOf(v)).toBe(null);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });

  it('refuses dict keys that are not str or int, and the reserved "__ndarray"', () => {
    expectError(() => run(P().emptyDict().float(1.5).int(1).raw(0x73).stop()), /dict key must be a str or an int, got number 1\.5/);
    expectError(() => run(P().emptyDict().int(1).tuple(1).int(1).raw(0x73).stop()), /dict key must be a str or an int, got tuple/);
    expectError(() => run(P().emptyDict().str('__ndarray').bool(true).raw(0x73).stop()), /dict key "__ndarray" is reserved/);
  });

  it('handles shared and cyclic structures from the memo', () => {
    const v = run(P().emptyList().put(0).get(0).raw(0x61).stop()) as PyValue[];
    expect(v[0]).toBe(v);
    const s = run(P().emptyList().put(1).get(1).tuple(2).stop()) as PyValue[][];
    expect(s[0]).toBe(s[1]);
  });

  it('handles deep nesting without recursion', () => {
    const w = P();
    const depth = 50_000; // far beyond what recursion would survive
    for (let i = 0; i < depth; i++) w.mark();
    for (let i = 0; i < depth; i++) w.raw(0x6c);
    let v = run(w.stop()) as PyValue[];
    let d = 1;
    while (v.length) { v = v[0] as PyValue[]; d++; }
    expect(d).toBe(depth);
  });

  it('refuses appending to a tuple and setting items on a list', () => {
    expectError(() => run(P().tuple(0).int(1).raw(0x61).stop()), /cannot append to tuple\/list of length 0/);
    expectError(() => run(P().emptyList().int(1).int(2).raw(0x73).stop()), /cannot set items on tuple\/list/);
  });
});

describe('pickle machine: refusing globals', () => {
  const cases: [string, string][] = [
    ['os', 'system'], ['builtins', 'eval'], ['numpy.core.multiarray', 'scalar'], ['posix', 'system'],
    ['numpy._core.multiarray', '_reconstruct'], ['torch._utils', '_rebuild_tensor_v2'], ['builtins', 'getattr'],
  ];
  it.each(cases)('refuses %s.%s inside a valid zip', (m, n) => {
    // The classic exploit: GLOBAL 'os system', (S'echo pwned'), REDUCE. It must stop at GLOBAL.
    const p = P().global(m, n).str('echo pwned').tuple(1).reduce().stop().bytes();
    const err = expectError(() => readTorchPickleZip(modelZip(p)),
      new RegExp(`^pickle archive/data\\.pkl: refusing global "${m.replace(/\./g, '\\.')}\\.${n}": only numpy\\.core\\.multiarray\\._reconstruct, numpy\\.ndarray, numpy\\.dtype, _codecs\\.encode are allowed \\(at byte 2, opcode GLOBAL\\)$`));
    expect(err.offset).toBe(2);
  });

  it('refuses foreign globals named with STACK_GLOBAL too', () => {
    expectError(() => run(new PickleWriter().proto(4).str('os').str('system').raw(0x93).stop()), /refusing global "os\.system".*opcode STACK_GLOBAL/);
  });

  it('refuses a malformed GLOBAL line', () => {
    expectError(() => run(P().raw(0x63).rawArray(new Uint8Array(300).fill(0x61))), /GLOBAL module is not a newline-terminated name/);
  });

  it('only allows the numpy reduce/build patterns', () => {
    expectError(() => run(P().global('numpy', 'ndarray').tuple(0).reduce().stop()), /calling global numpy\.ndarray is not allowed.*opcode REDUCE/);
    expectError(() => run(P().global('_codecs', 'encode').str('x').str('utf-8').tuple(2).reduce().stop()), /_codecs\.encode is only allowed as encode\(<str>, 'latin1'\)/);
    expectError(() => run(P().global('_codecs', 'encode').str('\u0100').str('latin1').tuple(2).reduce().stop()), /U\+0100 cannot be encoded as latin1/);
    expectError(() => run(P().global('numpy.core.multiarray', '_reconstruct').global('numpy', 'dtype').int(0).tuple(1).latin1Bytes([0x62]).tuple(3).reduce().stop()),
      /_reconstruct is only allowed as _reconstruct\(numpy\.ndarray, \(0,\), b'b'\)/);
    expectError(() => run(P().global('numpy', 'dtype').str('O').bool(false).bool(true).tuple(3).reduce().stop()), /numpy dtype "O" is not supported/);
    expectError(() => run(P().global('numpy', 'dtype').str('i1').bool(true).bool(true).tuple(3).reduce().stop()), /dtype\(<code>, False, True\)/);
    expectError(() => run(P().tuple(0).tuple(0).reduce().stop()), /cannot call tuple\/list of length 0/);
    expectError(() => run(P().global('_codecs', 'encode').emptyList().reduce().stop()), /arguments of global _codecs\.encode must be a tuple/);
    expectError(() => run(P().emptyDict().emptyDict().build().stop()), /BUILD is not allowed on dict/);
    expectError(() => run(P().global('numpy', 'dtype').stop()), /global numpy\.dtype cannot appear in the result/);
  });
});

describe('pickle machine: corrupt and hostile streams', () => {
  it('refuses truncated pickles', () => {
    for (const n of [0, 1, 2, 7, 1000, 100_000, realPickle.length >> 1, realPickle.length - 1]) {
      expectError(() => run(realPickle.subarray(0, n)), /truncated/);
    }
    // and inside a valid zip
    expectError(() => readTorchPickleZip(modelZip(realPickle.slice(0, 5000))), /^pickle archive\/data\.pkl: .*truncated/);
  });

  it('checks declared lengths against the bytes remaining before allocating', () => {
    expectError(() => run(P().raw(0x58).u32(2 ** 31).raw(1, 2, 3)), /string needs 2147483648 bytes but only 3 remain \(truncated or corrupt\) \(at byte 2, opcode BINUNICODE\)/);
    expectError(() => run(P().raw(0x8d).u32(0).u32(0x10000000)), /string needs 1152921504606847\d+ bytes but only 0 remain.*BINUNICODE8/);
    expectError(() => run(P().raw(0x42).u32(0xffffffff)), /bytes needs 4294967295 bytes but only 0 remain.*BINBYTES/);
    expectError(() => run(P().raw(0x8b).u32(0xfffffff0)), /LONG4 value needs 4294967280 bytes/);
    expectError(() => run(new PickleWriter().proto(4).raw(0x95).u32(1000).u32(0).stop()), /frame needs 1000 bytes/);
  });

  it('refuses unknown opcodes, naming the byte and offset', () => {
    expectError(() => run(P().none().raw(0xff)), /unknown or unsupported opcode 0xff \(at byte 3, opcode 0xff\)/);
    expectError(() => run(P().raw(0x53).rawArray(new TextEncoder().encode("'x'\n")).stop()), /opcode 0x53/); // STRING (protocol 0)
    expectError(() => run(new PickleWriter().proto(9).none().stop()), /unsupported pickle protocol 9/);
  });

  it('refuses integers that do not fit a JS number', () => {
    expectError(() => run(P().raw(0x8a, 8, 0, 0, 0, 0, 0, 0, 0x20, 0).stop()), /integer does not fit in a JS number/);
    expect(run(P().raw(0x8a, 9, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff).stop())).toBe(-2);
  });

  it('refuses stack and memo misuse', () => {
    expectError(() => run(P().tuple(1).stop()), /stack underflow.*TUPLE1/);
    expectError(() => run(P().none().mark().raw(0x30).stop()), /stack underflow.*POP/);
    expectError(() => run(P().tuple('mark').stop()), /no MARK on the stack/);
    expectError(() => run(P().get(3).stop()), /memo key 3 was never stored/);
    expectError(() => run(P().none().none().stop()), /STOP with 2 values on the stack, expected 1/);
    expectError(() => run(P().mark().none().stop()), /STOP with an unclosed MARK/);
    expectError(() => run(P().none()), /ended at byte 3 without a STOP opcode/);
    expectError(() => run(P().stop()), /STOP with 0 values/);
  });

  it('caps stack, memo, items and output bytes', () => {
    const many = P();
    for (let i = 0; i < 20; i++) many.none();
    expectError(() => run(many, { maxStack: 10 }), /stack exceeds 10 items/);
    const memo = P().none();
    for (let i = 0; i < 20; i++) memo.put(i);
    expectError(() => run(memo, { maxMemo: 10 }), /memo exceeds 10 entries/);
    const items = P().emptyList();
    for (let i = 0; i < 20; i++) items.none().raw(0x61);
    expectError(() => run(items, { maxItems: 10 }), /more than 10 container items/);
    // One 10 kB string re-encoded to bytes 20 times: 200 kB of output from a 10 kB pickle.
    const bomb = P().global('_codecs', 'encode').put(0).str('a'.repeat(10_000)).put(1).str('latin1').put(2).mark();
    for (let i = 0; i < 20; i++) bomb.get(0).get(1).get(2).tuple(2).reduce();
    expectError(() => run(bomb.raw(0x6c).stop(), { maxOutputBytes: 100_000 }), /output would exceed the 100000-byte limit/);
  });
});

describe('numpy arrays', () => {
  const arr = (code: string, order: string, shape: number[], bytes: number[], fortran = false) =>
    run(P().ndarray(code, order, shape, bytes, fortran).stop()) as NdArray;

  it('decodes every supported dtype and byte order', () => {
    expect(arr('i1', '|', [2, 2], [1, 255, 128, 3])).toEqual({ __ndarray: true, dtype: 'int8', shape: [2, 2], data: new Int8Array([1, -1, -128, 3]) });
    expect(arr('u1', '|', [2], [1, 255]).data).toEqual(new Uint8Array([1, 255]));
    expect(arr('b1', '|', [3], [0, 1, 2])).toMatchObject({ dtype: 'bool', data: new Uint8Array([0, 1, 1]) });
    expect(arr('i2', '>', [2], [0x01, 0x02, 0xff, 0xfe]).data).toEqual(new Int16Array([0x0102, -2]));
    expect(arr('i2', '<', [2], [0x01, 0x02, 0xff, 0xfe]).data).toEqual(new Int16Array([0x0201, -257]));
    expect(arr('i4', '>', [1], [0xff, 0xff, 0xff, 0xfe]).data).toEqual(new Int32Array([-2]));
    expect(arr('f4', '<', [1], [0, 0, 0x80, 0x3f]).data).toEqual(new Float32Array([1]));
    expect(arr('f4', '>', [1], [0x3f, 0x80, 0, 0]).data).toEqual(new Float32Array([1]));
    expect(arr('f8', '>', [1], [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18]).data).toEqual(new Float64Array([Math.PI]));
    expect(arr('f8', '<', [], [0x18, 0x2d, 0x44, 0x54, 0xfb, 0x21, 0x09, 0x40])).toMatchObject({ shape: [], data: new Float64Array([Math.PI]) });
    expect(arr('i4', '<', [0, 3], [])).toMatchObject({ shape: [0, 3], data: new Int32Array(0) });
  });

  it('converts int64 to Int32Array when it fits, Float64Array otherwise, and refuses beyond 2^53', () => {
    const le = (n: bigint) => Array.from(new Uint8Array(new BigInt64Array([n]).buffer));
    expect(arr('i8', '<', [2], [...le(-5n), ...le(7n)])).toMatchObject({ dtype: 'int64', data: new Int32Array([-5, 7]) });
    expect(arr('i8', '<', [2], [...le(1n << 40n), ...le(-1n)]).data).toEqual(new Float64Array([2 ** 40, -1]));
    expect(arr('i8', '>', [1], le(3n).reverse()).data).toEqual(new Int32Array([3]));
    expectError(() => arr('i8', '<', [1], le((1n << 53n) + 1n)), /int64 value 9007199254740993 does not fit in a JS number/);
  });

  it('accepts numpy arrays whose data is raw bytes (protocol 3+) and aligns data', () => {
    const v = run(P().global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray').int(0).tuple(1).shortBytes([0x62]).tuple(3).reduce()
      .mark().int(1).int(1).tuple(1).dtype('i4', '<').bool(false).shortBytes([1, 0, 0, 0]).tuple('mark').build().stop()) as NdArray;
    expect(isNdArray(v)).toBe(true);
    expect(v.data).toEqual(new Int32Array([1]));
  });

  it('refuses bad arrays', () => {
    expectError(() => arr('i4', '<', [2], [1, 2, 3]), /array data is 3 bytes but shape \[2\] of i4 needs 8/);
    expectError(() => arr('i1', '|', [2, 2], [1, 2, 3, 4], true), /Fortran-order arrays are not supported \(shape \[2, 2\]\)/);
    expect(arr('i1', '|', [1, 3], [1, 2, 3], true).data).toEqual(new Int8Array([1, 2, 3])); // trivially 1-D
    expectError(() => arr('i4', '|', [1], [1, 2, 3, 4]), /byte order "\|" is not valid for dtype i4/);
    expectError(() => arr('i1', '=', [1], [1]), /byte order "=" is not valid for dtype i1/);
    expectError(() => arr('u4', '<', [1], [1, 2, 3, 4]), /numpy dtype "u4" is not supported/);
    expectError(() => arr('i1', '|', [65535, 65535, 65535], [1]), /array data is 1 bytes but shape \[65535, 65535, 65535\] of i1 needs 281462092005375/);
    expectError(() => arr('i1', '|', [-1], [1]), /array shape must be a tuple of at most 32 non-negative ints/);
    expectError(() => run(P().global('numpy.core.multiarray', '_reconstruct').global('numpy', 'ndarray').int(0).tuple(1).latin1Bytes([0x62]).tuple(3).reduce().stop()),
      /a numpy array was created but never filled by BUILD/);
    const twice = P().ndarray('i1', '|', [1], [1]).mark().int(1).int(1).tuple(1).dtype('i1', '|').bool(false).latin1Bytes([2]).tuple('mark').build().stop();
    expectError(() => run(twice), /numpy array built twice/);
  });
});

describe('fuzzing', () => {
  // Deterministic random corruption: every outcome must be a value or a ModelFileError, never a crash or hang.
  let seed = 20240611;
  const rnd = (n: number) => Math.floor(((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * n);
  const mutate = (b: Uint8Array, nearEnd: number) => {
    const m = b.slice();
    for (let k = 1 + rnd(3); k > 0; k--) m[rnd(2) ? rnd(m.length) : m.length - 1 - rnd(nearEnd)] = rnd(256);
    return rnd(4) ? m : m.subarray(0, rnd(m.length));
  };
  const outcome = (f: () => unknown) => {
    try {
      f();
      return 'ok';
    } catch (e) {
      return e instanceof ModelFileError && !/unexpected error/.test(e.message) ? 'error' : `BUG: ${e}`;
    }
  };

  it('survives corrupted zips and pickles', () => {
    const p = P().emptyDict().mark().str('w').ndarray('i1', '|', [2, 3], [1, 2, 3, 4, 5, 6]).str('b').ndarray('i4', '>', [2], [0, 0, 0, 1, 0, 0, 0, 2])
      .str('l').emptyList().mark().int(1).float(2.5).none().appends().setitems().stop().bytes();
    const results = new Set<string>();
    for (const level of [0, 6] as const) {
      const z = modelZip(p, level);
      for (let i = 0; i < 1500; i++) results.add(outcome(() => readTorchPickleZip(mutate(z, 120))));
    }
    const head = realPickle.subarray(0, 8_000);
    for (let i = 0; i < 1000; i++) results.add(outcome(() => run(mutate(head, 100))));
    expect([...results].filter((r) => r.startsWith('BUG'))).toEqual([]);
    expect(results).toContain('ok');
  });
});
