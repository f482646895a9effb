import { describe, expect, it } from 'vitest';
import { isInputError, userMessage } from '../../engine/input-error.ts';
import { zooArch } from '../../engine/models/zoo.ts';
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import { defaultDoc } from '../store/studio-doc.ts';
import type { StudioDoc } from '../store/studio-doc.ts';
import { docFromShared, fileDigest, isSharedFile, readShareHash, shareHash } from './share-link.ts';

const KB = 1024;
const mcunet: StudioDoc = {
  origin: { kind: 'zoo', arch: 'mcunet-5fps' }, shape: { resolution: 96, classes: 7 },
  scheme: builtinScheme('mcunet-5fps@99kb', 42)!, target: { id: 'custom', sramBytes: 200 * KB, trainBudget: 150 * KB, flashBytes: 900 * KB },
};

describe('share links', () => {
  it('carry every field of the project shape', () => {
    const back = readShareHash(shareHash(mcunet))!;
    expect(back.model).toEqual({ kind: 'zoo', arch: 'mcunet-5fps' });
    expect(back.shape).toEqual(mcunet.shape);
    expect(back.scheme).toEqual(mcunet.scheme);
    expect(back.target).toEqual(mcunet.target);
    expect(shareHash(docFromShared(back, mcunet.origin))).toBe(shareHash(mcunet));
  });
  it('name the demo model, carry an edited architecture, and a file only by name and digest', () => {
    expect(readShareHash(shareHash(defaultDoc()))!.model).toEqual({ kind: 'demo' });
    const spec = { ...zooArch('mcunet-5fps'), stem: { out: 24, kernel: 3, stride: 2 } };
    expect(readShareHash(shareHash({ ...mcunet, origin: { kind: 'zoo', arch: 'mcunet-5fps', spec } }))!.model).toEqual({ kind: 'zoo', arch: 'mcunet-5fps', spec });
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const hash = shareHash({ ...mcunet, origin: { kind: 'file', fileName: 'mcunet-5fps.pkl', bytes } });
    expect(hash).not.toContain('AQIDBA'); // no bytes travel
    const m = readShareHash(hash)!.model;
    expect(m).toEqual({ kind: 'file', fileName: 'mcunet-5fps.pkl', digest: fileDigest(bytes) });
    if (m.kind !== 'file') throw new Error('file');
    expect(isSharedFile(m, new Uint8Array([1, 2, 3, 4]))).toBe(true);
    expect(isSharedFile(m, new Uint8Array([1, 2, 3, 5]))).toBe(false);
  });
  it('carry nothing for another hash, and refuse a bad field naming it', () => {
    expect(readShareHash('')).toBeNull();
    expect(readShareHash('#section-2')).toBeNull();
    const good = new URLSearchParams(shareHash(mcunet).slice(1));
    const bad = (key: string, value: string) => {
      const p = new URLSearchParams(good);
      p.set(key, value);
      return () => readShareHash(`#${p}`);
    };
    expect(bad('model', 'resnet50')).toThrow(/model "resnet50" is not/);
    expect(bad('resolution', '4')).toThrow(/resolution "4" must be a whole number from 8 to 1024/);
    expect(bad('classes', '1e3')).toThrow(/classes/);
    expect(bad('scheme', '{"nBias": -1}')).toThrow(/scheme: nBias/);
    expect(bad('scheme', '{')).toThrow(/scheme is not valid JSON/);
    expect(bad('budget', String(300 * KB))).toThrow(/cannot exceed the target's SRAM/);
    expect(bad('target', '<script>')).toThrow(/target must be a target name/);
    expect(bad('arch', '{"name": 3}')).toThrow(/architecture/);
    expect(bad('scheme', 'x'.repeat(30_000))).toThrow(/more than 20000/);
    const file = new URLSearchParams(good);
    file.set('model', 'file');
    file.set('file', '../etc/passwd');
    file.set('digest', '0123456789abcdef');
    expect(() => readShareHash(`#${file}`)).toThrow(/plain file name/);
    // A refused link is the user's input, told as its own sentence, never as a bug of the studio.
    let refusal: unknown;
    try {
      bad('resolution', '4')();
    } catch (e) {
      refusal = e;
    }
    expect(isInputError(refusal)).toBe(true);
    expect(userMessage(refusal)).toMatch(/^(?!Internal error).*resolution "4" must be a whole number/);
  });
});
