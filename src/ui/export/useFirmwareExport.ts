/**
 * The firmware dialog's link to the export worker: generates the C project of the current training
 * program for a target (again when either changes), and zips it on request. The worker lives while
 * the dialog is open; the program is sent to it only when it changed.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Target } from '../../engine/codegen/index.ts';
import type { ParamStore } from '../../engine/ir/graph.ts';
import type { TrainingProgram } from '../../engine/program/compile.ts';
import type { ExportLayout, ExportReply, ExportRequest, FirmwareFigures, GeneratedFile } from './protocol.ts';

/** Training samples embedded in the firmware (synthetic: the browser has no dataset files) and steps main.c runs. */
export const EXPORT_SAMPLES = 4;
export const EXPORT_STEPS = 8;

export interface GeneratedProject {
  files: GeneratedFile[];
  totalBytes: number;
  firmware: FirmwareFigures;
  peakSramBytes: number;
  ms: number;
}

type ExportState = { status: 'ready'; project: GeneratedProject } | { status: 'error'; message: string };

export interface FirmwareExport {
  /** 'generating' until the project of the current program and target is back. */
  status: 'generating' | 'ready' | 'error';
  /** The last project generated: the current one when ready, else the previous one (kept on screen meanwhile). */
  project: GeneratedProject | null;
  error: string | null;
  /** The zip of the files shown (engine's zipCProject, in the worker). */
  zip(folder: string): Promise<Uint8Array<ArrayBuffer>>;
}

type Pending = { resolve(zip: Uint8Array<ArrayBuffer>): void; reject(e: Error): void };
/** What a generate request was for: its reply applies while the dialog still shows that. */
type Key = { program: TrainingProgram; params: ParamStore; target: Target; layout: ExportLayout };


export function useFirmwareExport(program: TrainingProgram, params: ParamStore, target: Target, layout: ExportLayout = 'make'): FirmwareExport {
  const worker = useRef<Worker | null>(null);
  const sent = useRef<{ program: TrainingProgram; params: ParamStore } | null>(null);
  const lastGenerate = useRef<{ id: number; key: Key } | null>(null);
  const zips = useRef(new Map<number, Pending>());
  const nextId = useRef(1);
  const [result, setResult] = useState<{ key: Key; state: ExportState } | null>(null);
  const [shown, setShown] = useState<GeneratedProject | null>(null);

  useEffect(() => {
    const w = new Worker(new URL('./export.worker.ts', import.meta.url), { type: 'module', name: 'firmware-export' });
    const pending = zips.current;
    w.onmessage = (e: MessageEvent<ExportReply>) => {
      const msg = e.data;
      const zip = pending.get(msg.id);
      if (zip) {
        pending.delete(msg.id);
        if (msg.type === 'zipped') zip.resolve(msg.zip);
        else zip.reject(new Error(msg.type === 'error' ? msg.message : 'export: unexpected reply'));
        return;
      }
      const last = lastGenerate.current;
      if (!last || msg.id !== last.id) return; // a newer request is on its way
      if (msg.type === 'generated') {
        const project: GeneratedProject = { files: msg.files, totalBytes: msg.totalBytes, firmware: msg.firmware, peakSramBytes: msg.peakSramBytes, ms: msg.ms };
        setResult({ key: last.key, state: { status: 'ready', project } });
        setShown(project);
      } else if (msg.type === 'error') {
        setResult({ key: last.key, state: { status: 'error', message: msg.message } });
      }
    };
    w.onerror = (e) => {
      e.preventDefault();
      const last = lastGenerate.current;
      if (last) setResult({ key: last.key, state: { status: 'error', message: `The export worker failed: ${e.message || 'it could not load'}` } });
    };
    worker.current = w;
    return () => {
      w.terminate();
      worker.current = null;
      sent.current = null;
      for (const p of pending.values()) p.reject(new Error('export: the dialog was closed'));
      pending.clear();
    };
  }, []);

  useEffect(() => {
    const w = worker.current;
    if (!w) return;
    const id = nextId.current++;
    lastGenerate.current = { id, key: { program, params, target, layout } };
    const fresh = sent.current?.program !== program || sent.current?.params !== params;
    const req: ExportRequest = fresh
      ? { type: 'generate', id, program, params, target, layout, samples: EXPORT_SAMPLES, steps: EXPORT_STEPS }
      : { type: 'generate', id, target, layout, samples: EXPORT_SAMPLES, steps: EXPORT_STEPS };
    sent.current = { program, params };
    w.postMessage(req);
  }, [program, params, target, layout]);

  const zip = useCallback((folder: string) => new Promise<Uint8Array<ArrayBuffer>>((resolve, reject) => {
    const w = worker.current;
    if (!w) {
      reject(new Error('export: the dialog is closed'));
      return;
    }
    const id = nextId.current++;
    zips.current.set(id, { resolve, reject });
    w.postMessage({ type: 'zip', id, folder } satisfies ExportRequest);
  }), []);

  const k = result?.key;
  const current = k && k.program === program && k.params === params && k.target === target && k.layout === layout ? result.state : null;
  return {
    status: current?.status ?? 'generating',
    project: shown,
    error: current?.status === 'error' ? current.message : null,
    zip,
  };
}
