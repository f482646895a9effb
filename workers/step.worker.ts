/** The step-through Web Worker (the page): `new Worker(new URL('./step.worker.ts', import.meta.url), { type: 'module' })`. */
import * as Comlink from 'comlink';
import { createStepApi } from './step-api.ts';

Comlink.expose(createStepApi());
