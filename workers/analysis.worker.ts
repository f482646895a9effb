/** The analysis Web Worker (the page): started by analysis-client-web.ts. */
import * as Comlink from 'comlink';
import { createAnalysisApi } from './analysis-api.ts';

// A crash is an uncaught error: the page sees the Worker's 'error' event (self.close() would be silent).
Comlink.expose(createAnalysisApi(() => setTimeout(() => {
  throw new Error('the analysis worker crashed (test)');
})));
