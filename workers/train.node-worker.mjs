// Bootstrap for the Node training worker thread: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
await import('./train.node-worker.ts');
