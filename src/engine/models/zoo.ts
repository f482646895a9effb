/** The paper's three models, exactly as MODELS.md lists them (read off the paper's int8 model files). */
import { InputError } from '../input-error.ts';
import { show } from '../limits.ts';
import { archFromRows, type ArchSpec } from './arch.ts';

const MCUNET_5FPS = archFromRows('mcunet-5fps', 16, [
  [0, 8, 3, 1],
  [32, 16, 3, 2],
  [48, 16, 3, 1, '+'],
  [48, 24, 7, 2],
  [120, 24, 3, 1, '+'],
  [120, 40, 3, 2],
  [160, 40, 7, 1, '+'],
  [160, 48, 5, 1],
  [144, 48, 3, 1, '+'],
  [192, 48, 3, 1, '+'],
  [240, 96, 7, 2],
  [384, 96, 5, 1, '+'],
  [384, 96, 5, 1, '+'],
  [576, 160, 3, 1],
]);

const MBV2_W035 = archFromRows('mbv2-w0.35', 16, [
  [0, 8, 3, 1],
  [48, 8, 3, 2],
  [48, 8, 3, 1, '+'],
  [48, 16, 3, 2],
  [96, 16, 3, 1, '+'],
  [96, 16, 3, 1, '+'],
  [96, 24, 3, 2],
  [144, 24, 3, 1, '+'],
  [144, 24, 3, 1, '+'],
  [144, 24, 3, 1, '+'],
  [144, 32, 3, 1],
  [192, 32, 3, 1, '+'],
  [192, 32, 3, 1, '+'],
  [192, 56, 3, 2],
  [336, 56, 3, 1, '+'],
  [336, 56, 3, 1, '+'],
  [336, 112, 3, 1],
]);

const PROXYLESS_W03 = archFromRows('proxyless-w0.3', 16, [
  [0, 8, 3, 1],
  [24, 16, 5, 2],
  [48, 16, 3, 1, '+'],
  [48, 16, 7, 2],
  [48, 16, 3, 1, '+'],
  [48, 16, 5, 1, '+'],
  [48, 16, 5, 1, '+'],
  [96, 24, 7, 2],
  [72, 24, 5, 1, '+'],
  [72, 24, 5, 1, '+'],
  [72, 24, 5, 1, '+'],
  [144, 32, 5, 1],
  [96, 32, 5, 1, '+'],
  [96, 32, 5, 1, '+'],
  [96, 32, 5, 1, '+'],
  [192, 64, 7, 2],
  [384, 64, 7, 1, '+'],
  [192, 64, 7, 1, '+'],
  [192, 64, 7, 1, '+'],
  [384, 96, 7, 1],
]);

/** By name; a null-prototype object, so names such as "constructor" or "__proto__" find nothing. */
export const ZOO: Readonly<Record<string, ArchSpec>> = Object.freeze(Object.assign(Object.create(null) as Record<string, ArchSpec>, {
  'mcunet-5fps': MCUNET_5FPS,
  'mbv2-w0.35': MBV2_W035,
  'proxyless-w0.3': PROXYLESS_W03,
}));

export const ZOO_NAMES = Object.keys(ZOO);

/** True only for the zoo's own names (a name from a URL or a file may be anything). */
export function isZooName(name: unknown): name is string {
  return typeof name === 'string' && Object.hasOwn(ZOO, name);
}

export function zooArch(name: string): ArchSpec {
  if (!isZooName(name)) throw new InputError(`unknown model ${show(name)}: the zoo has ${ZOO_NAMES.join(', ')}`);
  return ZOO[name];
}
