// Unit tests of the UI's store open new projects on the shipped demo model, which the page fetches
// before it starts (src/ui/demo/demo-model.ts); here it is read from disk.
import { readFileSync } from 'node:fs';
import { registerDemoModel } from '../src/ui/demo/demo-model.ts';

registerDemoModel(new Uint8Array(readFileSync(new URL('../public/models/tinytrain-demo.ttw', import.meta.url))));
