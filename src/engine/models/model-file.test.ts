import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixedInputSize } from './model-file.ts';

const file = (u: string) => new Uint8Array(readFileSync(new URL(u, import.meta.url)));

describe('fixedInputSize', () => {
  it('is a general graph\'s own input height, and undefined for the family, whose size can change', () => {
    expect(fixedInputSize('cnn-maxpool-fc.tflite', file('../../../public/models/cnn-maxpool-fc.tflite'))).toBe(28);
    expect(fixedInputSize('ds-cnn-kws.tflite', file('../../../public/models/ds-cnn-kws.tflite'))).toBe(49);
    expect(fixedInputSize('mcunet-vww.tflite', file('../../../../shared/models/tflite/mcunet-vww.tflite'))).toBeUndefined();
    expect(fixedInputSize('tinytrain-demo.ttw', file('../../../public/models/tinytrain-demo.ttw'))).toBeUndefined();
  });
});
