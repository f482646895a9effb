/**
 * The side effects of the last edit, where they cannot be missed: what was asked, everything else it
 * changed, and one button that undoes all of it. Stays until dismissed or until the next edit.
 */
import { useStudio } from '../store/index.ts';

export function EditNotice() {
  const notice = useStudio((s) => s.editNotice);
  const undo = useStudio((s) => s.undo);
  const dismiss = useStudio((s) => s.showEditNotice);
  if (!notice) return null;
  return (
    <div className="edit-notice" role="status" data-testid="edit-notice">
      <span className="edit-notice-icon" aria-hidden="true">i</span>
      <div className="edit-notice-text">
        <strong>“{notice.label}” also changed:</strong>
        <ul>
          {notice.changes.map((c) => <li key={c}>{c}</li>)}
        </ul>
      </div>
      <button type="button" className="button button-small" onClick={undo} title="Undo the edit and everything it changed (Ctrl+Z)">
        Undo all <kbd className="kbd">Ctrl Z</kbd>
      </button>
      <button type="button" className="button button-ghost button-small" onClick={() => dismiss(null)} aria-label="Dismiss notice">
        Dismiss
      </button>
    </div>
  );
}
