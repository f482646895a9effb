/**
 * A received link that needs a model file only its sender had: says which file to open, and opens
 * the shared project (as a new project) once the user picks their copy and it is the same file.
 */
import { useRef } from 'react';
import { docFromShared, isSharedFile } from '../persist/share-link.ts';
import { userMessage } from '../../engine/input-error.ts';
import { useStudio } from '../store/index.ts';
import { MODEL_FILE_EXTENSIONS, readModelFile } from '../load-model-file.ts';

export function SharedLinkBanner() {
  const pending = useStudio((s) => s.pendingShare);
  const input = useRef<HTMLInputElement>(null);
  if (!pending) return null;
  const { fileName } = pending.model;

  const onFile = async (file: File) => {
    const s = useStudio.getState();
    try {
      const bytes = await readModelFile(file);
      if (!isSharedFile(pending.model, bytes)) {
        s.showError({ title: `“${file.name}” is not the file the link was made with`, message: `its contents differ from the sender's ${fileName}; open the same file to see the shared project` });
        return;
      }
      await s.openSharedProject(docFromShared(pending, { kind: 'file', fileName, bytes }), `Shared: ${fileName} ${pending.shape.resolution}px`);
    } catch (e) {
      s.showError({ title: `Could not read “${file.name}”`, message: userMessage(e) });
    }
  };

  return (
    <div className="edit-notice shared-link-banner" role="status" data-testid="shared-link-banner">
      <span className="edit-notice-icon" aria-hidden="true">i</span>
      <div className="edit-notice-text">
        <strong>This link needs a file only its sender has: <span className="mono">{fileName}</span>.</strong>
        <span>Open your copy of it to see the shared project ({pending.shape.resolution}×{pending.shape.resolution}, {pending.shape.classes} classes, its scheme and target); it opens as a new project, and the one open now stays as it is.</span>
      </div>
      <button type="button" className="button button-primary button-small" onClick={() => input.current?.click()}>Open {fileName}…</button>
      <button type="button" className="button button-ghost button-small" onClick={() => useStudio.getState().setPendingShare(null)}>Dismiss</button>
      <input ref={input} type="file" hidden accept={MODEL_FILE_EXTENSIONS.join(',')} aria-label={`Your copy of ${fileName}`}
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void onFile(f);
        }} />
    </div>
  );
}
