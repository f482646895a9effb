import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { restoreSession } from './persist/session.ts';
import '@xyflow/react/dist/style.css';
import './styles.css';
import './styles/shell.css';
import './styles/graph.css';
import './styles/memory.css';
import './styles/export.css';

// The saved project is reopened before the first paint, so a reload shows it at once.
void restoreSession().finally(() => {
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
});
