/** Shown while files are dragged over the window. */
import { useStudio } from '../store/index.ts';

export function DropOverlay() {
  const active = useStudio((s) => s.dropActive);
  if (!active) return null;
  return (
    <div className="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-box">
        <svg viewBox="0 0 24 24" width="36" height="36" aria-hidden="true">
          <path d="M12 3v12M7 10l5 5 5-5M4 17v3h16v-3" fill="none" stroke="currentColor" strokeWidth="1.6"
            strokeLinecap="round" strokeLinejoin="round" />
        </svg>
        <strong>Drop a .pkl or .tflite model file to open it</strong>
        <span>It replaces the open model. A file that cannot be read changes nothing.</span>
      </div>
    </div>
  );
}
