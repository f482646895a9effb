// Bootstrap for the Node analysis worker thread: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
await import('./analysis.node-worker.ts');
