/**
 * The project file (`*.tinytrain.json`): a project's name, document and view as JSON; a model file's
 * bytes travel base64-encoded. Reading checks every field and throws one sentence naming the first
 * that is wrong, so a corrupt file is refused before anything is opened.
 */
import { parseScheme } from '../../engine/train/scheme.ts';
import { ZOO } from '../../engine/models/zoo.ts';
import type { ArchSpec } from '../../engine/models/arch.ts';
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

class ProjectFileError extends Error {
  override name = 'ProjectFileError';
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const fail = (msg: string): never => {
  throw new ProjectFileError(msg);
};
const posInt = (v: unknown, field: string): number =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : fail(`${field} must be a positive whole number`);

/** Reads an architecture spec (also from a share link); throws naming the first field that is wrong. */
export function readSpec(v: unknown): ArchSpec {
  if (!isObj(v) || typeof v.name !== 'string' || !isObj(v.stem) || !Array.isArray(v.blocks)) fail('doc.origin.spec is not an architecture');
  const o = v as Record<string, unknown> & { stem: Record<string, unknown>; blocks: unknown[] };
  return {
    name: o.name as string,
    inChannels: posInt(o.inChannels, 'doc.origin.spec.inChannels'),
    stem: { out: posInt(o.stem.out, 'stem.out'), kernel: posInt(o.stem.kernel, 'stem.kernel'), stride: posInt(o.stem.stride, 'stem.stride') },
    blocks: o.blocks.map((b, i) => {
      if (!isObj(b)) return fail(`doc.origin.spec.blocks[${i}] is not a block`);
      return {
        mid: posInt(b.mid, `blocks[${i}].mid`), expand: b.expand === true, out: posInt(b.out, `blocks[${i}].out`),
        kernel: posInt(b.kernel, `blocks[${i}].kernel`), stride: posInt(b.stride, `blocks[${i}].stride`), residual: b.residual === true,
      };
    }),
  };
}

function readOrigin(v: unknown): ModelOrigin {
  if (!isObj(v)) return fail('doc.origin is missing');
  if (v.kind === 'zoo') {
    if (typeof v.arch !== 'string' || !ZOO[v.arch]) return fail(`doc.origin.arch ${JSON.stringify(v.arch)} is not a zoo model`);
    return v.spec === undefined ? { kind: 'zoo', arch: v.arch } : { kind: 'zoo', arch: v.arch, spec: readSpec(v.spec) };
  }
  if (v.kind === 'file') {
    if (typeof v.fileName !== 'string' || typeof v.bytesBase64 !== 'string') return fail('doc.origin of a model file needs fileName and bytesBase64');
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

function readView(v: unknown): ProjectView {
  const o = isObj(v) ? v : {};
  return {
    graphTab: TABS.includes(o.graphTab as string) ? (o.graphTab as ProjectView['graphTab']) : 'forward',
    memoryView: o.memoryView === 'arena' ? 'arena' : 'timeline',
    selectedLayer: typeof o.selectedLayer === 'string' ? o.selectedLayer : null,
    selectedKernel: typeof o.selectedKernel === 'string' ? o.selectedKernel : null,
    showPruned: o.showPruned === true,
    collapsedBlocks: Array.isArray(o.collapsedBlocks) ? o.collapsedBlocks.filter((b): b is number => Number.isInteger(b)) : [],
  };
}

/** Reads a project file's text; throws a ProjectFileError naming what is wrong. */
export function projectFromFile(text: string): { name: string; doc: StudioDoc; view: ProjectView } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    return fail(`the file is not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(v) || v.format !== PROJECT_FORMAT) return fail(`the file is not a TinyTrain Studio project (no "format": "${PROJECT_FORMAT}")`);
  if (v.version !== PROJECT_VERSION) return fail(`project version ${JSON.stringify(v.version)} is not supported (this app reads version ${PROJECT_VERSION})`);
  if (typeof v.name !== 'string' || !v.name.trim()) return fail('name must be a non-empty string');
  const d = v.doc;
  if (!isObj(d)) return fail('doc is missing');
  const origin = readOrigin(d.origin);
  if (!isObj(d.shape)) return fail('doc.shape is missing');
  const shape = { resolution: posInt(d.shape.resolution, 'doc.shape.resolution'), classes: posInt(d.shape.classes, 'doc.shape.classes') };
  let scheme;
  try {
    scheme = parseScheme(d.scheme);
  } catch (e) {
    return fail(`doc.scheme: ${(e as Error).message}`);
  }
  if (!isObj(d.target)) return fail('doc.target is missing');
  const t = d.target;
  const target = {
    id: typeof t.id === 'string' ? t.id : 'custom',
    sramBytes: posInt(t.sramBytes, 'doc.target.sramBytes'),
    trainBudget: posInt(t.trainBudget, 'doc.target.trainBudget'),
    flashBytes: posInt(t.flashBytes, 'doc.target.flashBytes'),
  };
  return { name: v.name.trim(), doc: { origin, shape, scheme, target }, view: readView(v.view) };
}
