/**
 * A link that carries the whole shape of a project: the model (the demo model, a zoo architecture,
 * edited or not, or a model file by name and digest), resolution, classes, scheme, target and
 * budgets, in the URL's hash:
 *   #model=mcunet-5fps&resolution=128&classes=10&scheme={...}&target=stm32f746&sram=327680&budget=262144&flash=1048576
 * A model file travels by name and digest only: the recipient opens their own copy. Reading checks
 * every field (the engine's own checks where it has them) and throws one sentence naming the first
 * that is wrong; nothing is opened from a link that fails.
 */
import { digestBytes } from '../../engine/analysis/contribution.ts';
import { InputError } from '../../engine/input-error.ts';
import type { ArchSpec } from '../../engine/models/arch.ts';
import { isZooName, ZOO_NAMES } from '../../engine/models/zoo.ts';
import { parseScheme, schemeToJson, type Scheme } from '../../engine/train/scheme.ts';
import { DEMO_MODEL_NAME, isDemoOrigin } from '../demo/demo-model.ts';
import type { ModelOrigin, ModelShape } from '../store/project-model.ts';
import type { StudioDoc } from '../store/studio-doc.ts';
import { budgetError } from '../store/target-slice.ts';
import { targetPreset, type Target } from '../targets.ts';
import { readSpec } from './project-file.ts';
import { userMessage } from '../../engine/input-error.ts';

export type SharedModel =
  | { kind: 'demo' }
  | { kind: 'zoo'; arch: string; spec?: ArchSpec }
  /** A file only the sender has: the recipient must open their copy (same name, same digest). */
  | { kind: 'file'; fileName: string; digest: string };

export interface SharedProject {
  model: SharedModel;
  shape: ModelShape;
  scheme: Scheme;
  target: Target;
}

/** A shared project whose model is a file the recipient must open. */
export type FileSharedProject = SharedProject & { model: Extract<SharedModel, { kind: 'file' }> };

/** A link that is refused: one sentence naming the field (a refusal, not a bug). */
export class ShareLinkError extends InputError {
  override name = 'ShareLinkError';
}

const fail = (msg: string): never => {
  throw new ShareLinkError(msg);
};

/** The digest of a model file's bytes (FNV-1a, 64 bit), cached per byte array: the URL is rewritten after edits. */
const digests = new WeakMap<Uint8Array, string>();
export function fileDigest(bytes: Uint8Array): string {
  let d = digests.get(bytes);
  if (!d) digests.set(bytes, (d = digestBytes(bytes)));
  return d;
}

function modelOf(origin: ModelOrigin): SharedModel {
  if (isDemoOrigin(origin)) return { kind: 'demo' };
  if (origin.kind === 'zoo') return origin.spec ? { kind: 'zoo', arch: origin.arch, spec: origin.spec } : { kind: 'zoo', arch: origin.arch };
  return { kind: 'file', fileName: origin.fileName, digest: fileDigest(origin.bytes) };
}

/** The hash of a link to `doc` (canonical: the same document always gives the same text). */
export function shareHash(doc: StudioDoc): string {
  const m = modelOf(doc.origin);
  const p = new URLSearchParams();
  if (m.kind === 'demo') p.set('model', DEMO_MODEL_NAME);
  else if (m.kind === 'zoo') {
    p.set('model', m.arch);
    if (m.spec) p.set('arch', JSON.stringify(m.spec));
  } else {
    p.set('model', 'file');
    p.set('file', m.fileName);
    p.set('digest', m.digest);
  }
  p.set('resolution', String(doc.shape.resolution));
  p.set('classes', String(doc.shape.classes));
  p.set('scheme', JSON.stringify(JSON.parse(schemeToJson(doc.scheme))));
  p.set('target', doc.target.id);
  p.set('sram', String(doc.target.sramBytes));
  p.set('budget', String(doc.target.trainBudget));
  p.set('flash', String(doc.target.flashBytes));
  return `#${p.toString()}`;
}

/** The link to the open project, and the file the recipient needs (null: none). */
export function shareLinkFor(s: { doc: StudioDoc }): { url: string; needsFile: string | null } {
  const url = `${location.origin}${location.pathname}${shareHash(s.doc)}`;
  return { url, needsFile: s.doc.origin.kind === 'file' && !isDemoOrigin(s.doc.origin) ? s.doc.origin.fileName : null };
}

/** Longest field a link may carry (an edited architecture's JSON is the longest). */
const MAX_FIELD = 20_000;

function int(p: URLSearchParams, key: string, lo: number, hi: number): number {
  const text = p.get(key);
  if (text === null) return fail(`the link has no ${key}`);
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < lo || n > hi) fail(`the link's ${key} "${text.slice(0, 40)}" must be a whole number from ${lo} to ${hi}`);
  return n;
}

function json(p: URLSearchParams, key: string): unknown {
  try {
    return JSON.parse(p.get(key)!);
  } catch {
    return fail(`the link's ${key} is not valid JSON`);
  }
}

/**
 * Reads a link's hash: null when it carries no project (an empty hash or another app's), else the
 * shared project; throws a ShareLinkError naming the first field that is wrong.
 */
export function readShareHash(hash: string): SharedProject | null {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  if (!p.has('model') && !p.has('scheme')) return null;
  for (const [k, v] of p) if (v.length > MAX_FIELD) fail(`the link's ${k} is ${v.length} characters long, more than ${MAX_FIELD}`);
  const name = p.get('model');
  let model: SharedModel;
  if (name === DEMO_MODEL_NAME) model = { kind: 'demo' };
  else if (name === 'file') {
    const fileName = p.get('file') ?? '';
    const digest = p.get('digest') ?? '';
    if (!fileName || fileName.length > 255 || [...fileName].some((ch) => ch === '/' || ch === '\\' || ch.charCodeAt(0) < 32)) fail('the link\'s file name is missing or not a plain file name');
    if (!/^[0-9a-f]{16}$/.test(digest)) fail('the link\'s file digest must be 16 hexadecimal digits');
    model = { kind: 'file', fileName, digest };
  } else if (name && isZooName(name)) {
    let spec: ArchSpec | undefined;
    if (p.has('arch')) {
      try {
        spec = readSpec(json(p, 'arch'));
      } catch (e) {
        return fail(`the link's architecture: ${userMessage(e)}`);
      }
    }
    model = spec ? { kind: 'zoo', arch: name, spec } : { kind: 'zoo', arch: name };
  } else {
    return fail(`the link's model "${(name ?? '').slice(0, 60)}" is not ${DEMO_MODEL_NAME}, a zoo model (${ZOO_NAMES.join(', ')}) or a model file`);
  }
  const shape = { resolution: int(p, 'resolution', 8, 1024), classes: int(p, 'classes', 2, 10000) };
  if (!p.has('scheme')) fail('the link has no scheme');
  let scheme: Scheme;
  try {
    scheme = parseScheme(json(p, 'scheme'));
  } catch (e) {
    return fail(`the link's scheme: ${userMessage(e)}`);
  }
  const id = p.get('target') ?? '';
  if (!/^[\w.-]{1,40}$/.test(id)) fail('the link\'s target must be a target name');
  const target: Target = { id: targetPreset(id) ? id : 'custom', sramBytes: int(p, 'sram', 1024, 16 * 1024 * 1024), trainBudget: int(p, 'budget', 1024, 16 * 1024 * 1024), flashBytes: int(p, 'flash', 1024, 64 * 1024 * 1024) };
  const why = budgetError(target, 'trainBudget', target.trainBudget);
  if (why) fail(`the link's budgets: ${why}`);
  return { model, shape, scheme, target };
}

/** The document a shared project opens as; a file model takes the recipient's bytes (checked against the digest). */
export function docFromShared(shared: SharedProject, origin: ModelOrigin): StudioDoc {
  return { origin, shape: shared.shape, scheme: shared.scheme, target: shared.target };
}

/** Whether `bytes` are the file the link was made with. */
export function isSharedFile(shared: Extract<SharedModel, { kind: 'file' }>, bytes: Uint8Array): boolean {
  return fileDigest(bytes) === shared.digest;
}
