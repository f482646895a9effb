/**
 * The one Monaco setup of the app: the editor bundled with the app (never a CDN), its worker, and
 * @monaco-editor/react told to use it. Imported only by lazily loaded modules (the scheme JSON tab,
 * the firmware preview), so Monaco's megabytes load on first use.
 */
import { loader } from '@monaco-editor/react';
import * as monaco from 'monaco-editor/editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };
loader.config({ monaco });

export { monaco };
