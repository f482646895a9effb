/** The app shell: top bar, graph area, properties, memory, status bar; plus window-wide file drop and keys, and the firmware dialog. */
import { DropOverlay } from './components/DropOverlay.tsx';
import { EditNotice } from './components/EditNotice.tsx';
import { ErrorBanner } from './components/ErrorBanner.tsx';
import { FirmwareDialog } from './components/FirmwareDialog.tsx';
import { GlossaryDialog } from './explain/GlossaryDialog.tsx';
import { Tour } from './explain/Tour.tsx';
import { GraphArea } from './components/GraphArea.tsx';
import { MemoryPanel } from './components/MemoryPanel.tsx';
import { PropertiesPanel } from './components/PropertiesPanel.tsx';
import { SharedLinkBanner } from './components/SharedLinkBanner.tsx';
import { SkipLinks } from './components/SkipLinks.tsx';
import { StatusBar } from './components/StatusBar.tsx';
import { TopBar } from './components/TopBar.tsx';
import { useFileDrop } from './hooks/useFileDrop.ts';
import { useLayerKeys } from './hooks/useLayerKeys.ts';
import { useShortcuts } from './hooks/useShortcuts.ts';
import { useStudio } from './store/index.ts';

export function App() {
  useFileDrop();
  useLayerKeys();
  useShortcuts();
  const firmwareOpen = useStudio((s) => s.firmwareOpen);
  return (
    <div className="app">
      <SkipLinks />
      <TopBar />
      <ErrorBanner />
      <EditNotice />
      <SharedLinkBanner />
      <main className="workspace">
        <div className="workspace-main">
          <GraphArea />
          <MemoryPanel />
        </div>
        <PropertiesPanel />
      </main>
      <StatusBar />
      <DropOverlay />
      {firmwareOpen && <FirmwareDialog />}
      <GlossaryDialog />
      <Tour />
    </div>
  );
}
