/** "Open model file…": a file picker for .pkl and .tflite models, also on Ctrl+O (Cmd+O on a Mac). */
import { useEffect, useRef } from 'react';
import { MODEL_FILE_EXTENSIONS } from '../load-model-file.ts';
import { useStudio } from '../store/index.ts';

export function OpenModelButton() {
  const input = useRef<HTMLInputElement>(null);
  const openModelFile = useStudio((s) => s.openModelFile);
  const busy = useStudio((s) => s.busy);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'o') {
        e.preventDefault();
        input.current?.click();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <>
      <button
        type="button"
        className="button button-primary topbar-button"
        onClick={() => input.current?.click()}
        disabled={busy !== null}
        title="Open a .pkl or int8 .tflite model file (Ctrl+O)"
        aria-keyshortcuts="Control+O"
      >
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <path d="M1.5 3.5h4l1.5 1.5h7.5v8h-13z" fill="none" stroke="currentColor" strokeWidth="1.3" strokeLinejoin="round" />
        </svg>
        Open model…
        <kbd className="kbd">Ctrl+O</kbd>
      </button>
      <input
        ref={input}
        type="file"
        accept={MODEL_FILE_EXTENSIONS.join(',')}
        aria-label="Model file"
        hidden
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ''; // so the same file can be opened again
          if (file) void openModelFile(file);
        }}
      />
    </>
  );
}
