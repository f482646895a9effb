/** The same analysis worker over Node's worker_threads (started by analysis-client-node.ts). */
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { parentPort } from 'node:worker_threads';
import { createAnalysisApi } from './analysis-api.ts';
import { threadCpuSeconds } from './thread-cpu.ts';

if (!parentPort) throw new Error('analysis.node-worker.ts must run in a worker thread');
Comlink.expose(createAnalysisApi(() => process.exit(70), threadCpuSeconds), nodeEndpoint(parentPort));
