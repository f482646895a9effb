/** Messages between the firmware dialog and the export worker (export.worker.ts). */
import type { Target } from '../../engine/codegen/index.ts';
import type { ParamStore } from '../../engine/ir/graph.ts';
import type { TrainingProgram } from '../../engine/program/compile.ts';

/** The firmware figures of memory_report.json (the engine's, for the chosen target). */
export interface FirmwareFigures {
  arenaBytes: number;
  workspaceBytes: number;
  stackBytes: number;
  ramRegionBytes: number;
}

/** The Makefile project, or the Nano 33 BLE's Arduino library (engine/codegen/c-arduino.ts). */
export type ExportLayout = 'make' | 'arduino';

export interface GeneratedFile {
  path: string;
  text: string;
  /** Bytes of the file in the zip (UTF-8). */
  bytes: number;
}

export type ExportRequest =
  /** Generates the project; `program` and `params` are sent only when they changed since the last request. */
  | { type: 'generate'; id: number; program?: TrainingProgram; params?: ParamStore; target: Target; layout: ExportLayout; samples: number; steps: number }
  /** Zips the files of the last `generate` under one folder. */
  | { type: 'zip'; id: number; folder: string };

export type ExportReply =
  | { type: 'generated'; id: number; files: GeneratedFile[]; totalBytes: number; firmware: FirmwareFigures; peakSramBytes: number; ms: number }
  | { type: 'zipped'; id: number; zip: Uint8Array<ArrayBuffer>; ms: number }
  | { type: 'error'; id: number; message: string };
