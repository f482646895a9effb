/** The training Web Worker (the page): `new Worker(new URL('./train.worker.ts', import.meta.url), { type: 'module' })`. */
import * as Comlink from 'comlink';
import { createTrainApi } from './train-api.ts';

Comlink.expose(createTrainApi(() => self.close()));
