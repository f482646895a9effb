import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { loadDemoModel } from './demo/demo-model.ts';
import '@xyflow/react/dist/style.css';
import './styles.css';
import './styles/shell.css';
import './styles/graph.css';
import './styles/memory.css';
import './styles/export.css';

const root = createRoot(document.getElementById('root')!);

// The store opens a new project on the shipped demo model as it loads, so its 76 KB come first; then
// the saved project is reopened before the first paint, so a reload shows it at once.
try {
  await loadDemoModel();
  const [{ App }, { restoreSession }, { startTourIfNew }] = await Promise.all([import('./App.tsx'), import('./persist/session.ts'), import('./explain/tour.ts')]);
  await restoreSession().catch(() => undefined);
  startTourIfNew();
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
} catch (e) {
  root.render(
    <div className="startup-error" role="alert">
      <h1>TinyTrain Studio could not start</h1>
      <p>{e instanceof Error ? e.message : String(e)}</p>
    </div>,
  );
}
