/**
 * The model a new project opens: the project's own pretrained int8 weights, shipped in
 * public/models/tinytrain-demo.ttw (made by `npm run pretrain`), at the resolution it was pretrained
 * at and with the demo images' ten classes. Its bytes are fetched once before the app starts
 * (main.tsx), so every new project opens at once; in unit tests a setup file registers them from disk.
 */
import { builtinScheme } from '../../engine/train/builtin-schemes.ts';
import { DEMO_RUN } from '../../engine/train/demo-run.ts';
import type { Scheme } from '../../engine/train/scheme.ts';
import type { ModelOrigin, ModelShape } from '../store/project-model.ts';

/** The file name the demo model has in a project (and in public/models). */
export const DEMO_MODEL_FILE = 'tinytrain-demo.ttw';
/** What the UI calls it. */
export const DEMO_MODEL_NAME = 'tinytrain-demo';
/** The demo images (public/demo/fashion-demo.bin) have ten classes. */
export const DEMO_SHAPE: ModelShape = { resolution: DEMO_RUN.resolution, classes: 10 };

let bytes: Uint8Array | null = null;

/** Makes the shipped bytes known (the page after fetching them; tests from disk). */
export function registerDemoModel(b: Uint8Array): void {
  bytes = b;
}

/** Fetches public/models/tinytrain-demo.ttw (76 KB) once. */
export async function loadDemoModel(base: string = import.meta.env.BASE_URL): Promise<void> {
  if (bytes) return;
  const r = await fetch(`${base}models/${DEMO_MODEL_FILE}`);
  if (!r.ok) throw new Error(`could not load the demo model models/${DEMO_MODEL_FILE} (HTTP ${r.status})`);
  registerDemoModel(new Uint8Array(await r.arrayBuffer()));
}

export function demoModelBytes(): Uint8Array {
  if (!bytes) throw new Error('the demo model was not loaded (loadDemoModel runs before the app starts)');
  return bytes;
}

export function demoOrigin(): ModelOrigin {
  return { kind: 'file', fileName: DEMO_MODEL_FILE, bytes: demoModelBytes() };
}

/** The demo run's scheme (`last-6`) for the demo model's conv count. */
export function demoScheme(convs: number): Scheme {
  const s = builtinScheme(DEMO_RUN.scheme, convs);
  if (!s) throw new Error(`${DEMO_RUN.scheme} is not a scheme of a model with ${convs} convs`);
  return s;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** True when a project's model is the shipped demo model, byte for byte (not a file of the same name). */
export function isDemoOrigin(origin: ModelOrigin): boolean {
  return origin.kind === 'file' && origin.fileName === DEMO_MODEL_FILE && bytes !== null && sameBytes(origin.bytes, bytes);
}
