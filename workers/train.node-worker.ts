/** The same training worker over Node's worker_threads (started by train-client-node.ts). */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort } from 'node:worker_threads';
import { createTrainApi } from './train-api.ts';

if (!parentPort) throw new Error('train.node-worker.ts must run in a worker thread');
Comlink.expose(createTrainApi(() => process.exit(70)), nodeEndpoint(parentPort));
