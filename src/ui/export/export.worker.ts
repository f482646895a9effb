/**
 * The firmware export off the main thread (generating a 128x128 project takes a few hundred ms,
 * zipping it as much again): the engine's exportCProject on the program the IDE compiled, with the
 * engine's synthetic samples, and zipCProject for the download.
 */
import { exportCProject, syntheticSamples, zipCProject, type CProject } from '../../engine/codegen/index.ts';
import { ARDUINO_LIBRARY } from '../../engine/codegen/c-arduino.ts';
import type { ParamStore } from '../../engine/ir/graph.ts';
import type { TrainingProgram } from '../../engine/program/compile.ts';
import type { ExportReply, ExportRequest, FirmwareFigures, GeneratedFile } from './protocol.ts';
import { userMessage } from '../../engine/input-error.ts';

declare const self: DedicatedWorkerGlobalScope;

let program: TrainingProgram | null = null;
let params: ParamStore | null = null;
let files: CProject | null = null;

const encoder = new TextEncoder();
const reply = (msg: ExportReply, transfer: Transferable[] = []) => self.postMessage(msg, transfer);

self.onmessage = (e: MessageEvent<ExportRequest>) => {
  const req = e.data;
  const t0 = performance.now();
  try {
    if (req.type === 'generate') {
      if (req.program) program = req.program;
      if (req.params) params = req.params;
      if (!program || !params) throw new Error('export: no training program to export');
      const samples = syntheticSamples(program.graph, req.samples);
      files = exportCProject(program, params, samples, { target: req.target, steps: req.steps, layout: req.layout });
      const list: GeneratedFile[] = Object.entries(files).map(([path, text]) => ({ path, text, bytes: encoder.encode(text).length }));
      const report = JSON.parse(files['memory_report.json'] ?? files[`${ARDUINO_LIBRARY}/extras/memory_report.json`]) as { firmware: FirmwareFigures; peakSramBytes: number };
      reply({ type: 'generated', id: req.id, files: list, totalBytes: list.reduce((n, f) => n + f.bytes, 0), firmware: report.firmware, peakSramBytes: report.peakSramBytes, ms: performance.now() - t0 });
    } else {
      if (!files) throw new Error('export: nothing generated yet');
      const zip = zipCProject(files, req.folder) as Uint8Array<ArrayBuffer>;
      reply({ type: 'zipped', id: req.id, zip, ms: performance.now() - t0 }, [zip.buffer]);
    }
  } catch (err) {
    reply({ type: 'error', id: req.id, message: userMessage(err) });
  }
};
