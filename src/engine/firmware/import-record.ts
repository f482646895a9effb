/**
 * Loading a board's weights record into a model: the record read from the firmware's output, checked
 * against the model and scheme it must belong to, the slices put in place, and the result as the
 * project's weights file (.ttw). The CLI (`tinytrain device import`) and the page call this.
 */
import type { Model } from '../ir/graph.ts';
import { canSaveWeights, encodeWeights } from '../models/weights-file.ts';
import { compileTraining } from '../program/compile.ts';
import type { Scheme } from '../train/scheme.ts';
import { applyRecord, parseRecord, readRecord, WeightsRecordError, type WeightsRecord } from './weights-record.ts';

export interface ImportedWeights {
  record: WeightsRecord;
  model: Model;
  /** The model with the board's parameters as a .ttw file. */
  ttw: Uint8Array;
  note: string;
}

/** `form`: the firmware's text output holding the record (`ttrec` lines), or the binary record the serial link carries. */
export function importWeightsRecord(log: Uint8Array, file: string, model: Model, scheme: Scheme, schemeLabel: string, form: 'text' | 'binary' = 'text'): ImportedWeights {
  const record = form === 'text' ? readRecord(log, file) : parseRecord(log, file);
  if (!canSaveWeights(model.graph)) {
    throw new WeightsRecordError(`${file}: the board's weights are saved as a .ttw weights file, which records a model's architecture or, for an imported general graph, the graph itself; "${model.graph.name}" is neither (a zoo architecture built without its record)`);
  }
  const program = compileTraining(model.graph, scheme);
  const params = applyRecord(record, program, model.params, file);
  const source = `${model.source}, trained on the device for ${record.steps} steps with ${schemeLabel}`.slice(0, 512);
  const bytes = record.slices.reduce((n, s) => n + s.data.length, 0);
  return {
    record, model: { ...model, params, source }, ttw: encodeWeights(model.graph, params, { source }),
    note: `${file}: ${record.steps} steps on the device, ${record.slices.length} trained parameters (${bytes.toLocaleString('en-US')} bytes)`,
  };
}
