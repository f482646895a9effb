/**
 * The project file (`*.tinytrain.json`): a project's name, document and view as JSON; a model file's
 * bytes travel base64-encoded. Reading checks every field with the engine's own validators and
 * limits (nesting, sizes, architecture bounds and costs, budgets, the scheme) and throws one
 * sentence naming the first field that is wrong, so a corrupt or hostile file is refused before
 * anything is opened. The model file inside is checked when the project is compiled, before it opens.
 */
import { InputError, within, userMessage } from '../../engine/input-error.ts';
import { parseJsonText } from '../../engine/io/json.ts';
import { ARCH_LIMITS, checkArchitecture, checkBudget, checkFileSize, checkInt, FILE_LIMITS, MAX_NAME_CHARS, show } from '../../engine/limits.ts';
import { readArchSpec, type ArchSpec } from '../../engine/models/arch.ts';
import { isZooName } from '../../engine/models/zoo.ts';
import { parseScheme } from '../../engine/train/scheme.ts';
import type { ModelOrigin } from '../store/project-model.ts';
import type { StudioDoc } from '../store/studio-doc.ts';
import type { ProjectRecord, ProjectView } from './project-record.ts';

export const PROJECT_FORMAT = 'tinytrain-studio-project';
export const PROJECT_VERSION = 1;
export const PROJECT_EXTENSION = '.tinytrain.json';

function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function projectToFile(p: Pick<ProjectRecord, 'name' | 'doc' | 'view'>): string {
  const { origin } = p.doc;
  const fileOrigin = origin.kind === 'file' ? { kind: 'file', fileName: origin.fileName, bytesBase64: toBase64(origin.bytes) } : origin;
  return JSON.stringify({ format: PROJECT_FORMAT, version: PROJECT_VERSION, name: p.name, doc: { ...p.doc, origin: fileOrigin }, view: p.view }, null, 2);
}

export class ProjectFileError extends InputError {
  override name = 'ProjectFileError';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (msg: string): never => {
  throw new ProjectFileError(msg);
};
/** Longest file name kept from a project file (file systems allow 255 bytes). */
const MAX_FILE_NAME = 255;

/** Reads an architecture spec (a project file's, a share link's); throws naming the first field that is wrong. */
export function readSpec(v: unknown): ArchSpec {
  return readArchSpec(v);
}

function readOrigin(v: unknown): ModelOrigin {
  if (!isObj(v)) return fail('doc.origin is missing');
  if (v.kind === 'zoo') {
    if (!isZooName(v.arch)) return fail(`doc.origin.arch ${show(v.arch)} is not a zoo model`);
    return v.spec === undefined ? { kind: 'zoo', arch: v.arch } : { kind: 'zoo', arch: v.arch, spec: within('doc.origin.spec', () => readSpec(v.spec)) };
  }
  if (v.kind === 'file') {
    if (typeof v.fileName !== 'string' || typeof v.bytesBase64 !== 'string') return fail('doc.origin of a model file needs fileName and bytesBase64');
    if (!v.fileName || v.fileName.length > MAX_FILE_NAME) fail(`doc.origin.fileName must be a file name of 1 to ${MAX_FILE_NAME} characters`);
    if (v.bytesBase64.length > Math.ceil(FILE_LIMITS.model / 3) * 4) fail(`doc.origin.bytesBase64 holds more than the ${FILE_LIMITS.model / 1024 / 1024} MB a model file may have`);
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(v.bytesBase64);
    } catch {
      return fail('doc.origin.bytesBase64 is not base64');
    }
    return { kind: 'file', fileName: v.fileName, bytes };
  }
  return fail('doc.origin.kind must be "zoo" or "file"');
}

const TABS = ['forward', 'backward', 'layers', 'scheme'];

/** The view is a convenience: anything unusable in it falls back to the default instead of refusing the file. */
function readView(v: unknown): ProjectView {
  const o = isObj(v) ? v : {};
  const name = (x: unknown) => (typeof x === 'string' && x.length <= 64 ? x : null);
  return {
    graphTab: typeof o.graphTab === 'string' && TABS.includes(o.graphTab) ? (o.graphTab as ProjectView['graphTab']) : 'forward',
    memoryView: o.memoryView === 'arena' ? 'arena' : 'timeline',
    selectedLayer: name(o.selectedLayer),
    selectedKernel: name(o.selectedKernel),
    showPruned: o.showPruned === true,
    collapsedBlocks: Array.isArray(o.collapsedBlocks) && o.collapsedBlocks.length <= ARCH_LIMITS.blocks
      ? o.collapsedBlocks.filter((b): b is number => Number.isInteger(b) && b >= 0 && b < ARCH_LIMITS.blocks) : [],
  };
}

/** A picked project file's text, refused by size before it is read. */
export async function readProjectFile(file: File): Promise<string> {
  checkFileSize(file.name, file.size, FILE_LIMITS.project);
  return file.text();
}

/** Reads a project file's text; throws a ProjectFileError (an InputError) naming what is wrong. */
export function projectFromFile(text: string): { name: string; doc: StudioDoc; view: ProjectView } {
  if (text.length > FILE_LIMITS.project) fail(`the file is more than the ${FILE_LIMITS.project / 1024 / 1024} MB a project file may have`);
  let v: unknown;
  try {
    v = parseJsonText(text, 'the file');
  } catch (e) {
    return fail(userMessage(e));
  }
  if (!isObj(v) || v.format !== PROJECT_FORMAT) return fail(`the file is not a TinyTrain Studio project (no "format": "${PROJECT_FORMAT}")`);
  if (v.version !== PROJECT_VERSION) return fail(`project version ${show(v.version)} is not supported (this app reads version ${PROJECT_VERSION})`);
  if (typeof v.name !== 'string' || !v.name.trim() || v.name.length > MAX_NAME_CHARS) return fail(`name must be a text of 1 to ${MAX_NAME_CHARS} characters`);
  const d = v.doc;
  if (!isObj(d)) return fail('doc is missing');
  // Refusals of the engine's validators become ProjectFileErrors naming the field.
  const field = <T>(where: string, read: () => T): T => {
    try {
      return within(where, read);
    } catch (e) {
      if (e instanceof InputError && !(e instanceof ProjectFileError)) return fail(e.message);
      throw e;
    }
  };
  const origin = readOrigin(d.origin);
  if (!isObj(d.shape)) return fail('doc.shape is missing');
  const L = ARCH_LIMITS;
  const shape = {
    resolution: field('doc.shape', () => checkInt('resolution', (d.shape as Record<string, unknown>).resolution, L.resolution.min, L.resolution.max)),
    classes: field('doc.shape', () => checkInt('classes', (d.shape as Record<string, unknown>).classes, L.classes.min, L.classes.max)),
  };
  // An edited architecture's bounds and costs, before the project is compiled.
  if (origin.kind === 'zoo' && origin.spec) field('doc.origin.spec', () => checkArchitecture(origin.spec!, shape));
  const scheme = field('doc.scheme', () => parseScheme(d.scheme));
  if (!isObj(d.target)) return fail('doc.target is missing');
  const t = d.target;
  if (t.id !== undefined && (typeof t.id !== 'string' || !/^[\w.-]{1,40}$/.test(t.id))) fail(`doc.target.id ${show(t.id)} is not a target name`);
  const target = {
    id: typeof t.id === 'string' ? t.id : 'custom',
    sramBytes: field('doc.target', () => checkBudget('sramBytes', t.sramBytes)),
    trainBudget: field('doc.target', () => checkBudget('trainBudget', t.trainBudget)),
    flashBytes: field('doc.target', () => checkBudget('flashBytes', t.flashBytes)),
  };
  return { name: v.name.trim(), doc: { origin, shape, scheme, target }, view: readView(v.view) };
}
