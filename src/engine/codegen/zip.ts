/** The exported project as one zip (fflate), for the IDE's download and `tinytrain export --out X.zip`. */
import { strToU8, zipSync, type Zippable } from 'fflate';
import type { CProject } from './c-project.ts';
import { ARDUINO_LIBRARY } from './c-arduino.ts';
import { safeName } from './c-format.ts';

/**
 * Every file under one top-level folder (its name reduced by safeName), so unzipping gives `<folder>/Makefile` and so on.
 * An Arduino library (its files under ARDUINO_LIBRARY/) is zipped as that folder alone, as the Arduino IDE's
 * "Add .ZIP Library" and `arduino-cli lib install --zip-path` expect.
 */
export function zipCProject(files: CProject, folder: string): Uint8Array {
  const tree: Zippable = {};
  const paths = Object.keys(files);
  const library = paths.length > 0 && paths.every((p) => p.startsWith(`${ARDUINO_LIBRARY}/`));
  const top = library ? '' : `${safeName(folder, 'firmware')}/`;
  for (const [path, text] of Object.entries(files)) tree[`${top}${path}`] = strToU8(text);
  return zipSync(tree, { level: 6, mtime: new Date('2026-01-01T00:00:00Z') });
}
