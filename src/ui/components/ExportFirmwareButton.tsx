/** "Export firmware…" in the top bar (also Ctrl+E): opens the dialog that exports the training step as a C project. */
import { useStudio } from '../store/index.ts';

export function ExportFirmwareButton() {
  const setFirmwareOpen = useStudio((s) => s.setFirmwareOpen);
  return (
    <button type="button" className="button topbar-button" onClick={() => setFirmwareOpen(true)} aria-haspopup="dialog" aria-keyshortcuts="Control+E"
      title="Export the training step as a Cortex-M C project, previewed file by file, downloaded as a .zip (Ctrl+E)">
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        <rect x="4" y="4" width="8" height="8" rx="1" fill="none" stroke="currentColor" strokeWidth="1.3" />
        <path d="M6 1.5v2.5M10 1.5v2.5M6 12v2.5M10 12v2.5M1.5 6H4M1.5 10H4M12 6h2.5M12 10h2.5" stroke="currentColor" strokeWidth="1.3" />
      </svg>
      Export firmware…
    </button>
  );
}
