/** The app shell: top bar, graph area, properties, memory, status bar; plus window-wide file drop and keys. */
import { DropOverlay } from './components/DropOverlay.tsx';
import { ErrorBanner } from './components/ErrorBanner.tsx';
import { GraphArea } from './components/GraphArea.tsx';
import { MemoryPanel } from './components/MemoryPanel.tsx';
import { PropertiesPanel } from './components/PropertiesPanel.tsx';
import { StatusBar } from './components/StatusBar.tsx';
import { TopBar } from './components/TopBar.tsx';
import { useFileDrop } from './hooks/useFileDrop.ts';
import { useLayerKeys } from './hooks/useLayerKeys.ts';
import { useShortcuts } from './hooks/useShortcuts.ts';

export function App() {
  useFileDrop();
  useLayerKeys();
  useShortcuts();
  return (
    <div className="app">
      <TopBar />
      <ErrorBanner />
      <main className="workspace">
        <div className="workspace-main">
          <GraphArea />
          <MemoryPanel />
        </div>
        <PropertiesPanel />
      </main>
      <StatusBar />
      <DropOverlay />
    </div>
  );
}
