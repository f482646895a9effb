/** Undo and redo, with what they would undo or redo in their tooltips. */
import { useStudio } from '../store/index.ts';

export function HistoryButtons() {
  const past = useStudio((s) => s.past);
  const future = useStudio((s) => s.future);
  const { undo, redo } = useStudio.getState();
  const last = past[past.length - 1];
  return (
    <div className="history-buttons" role="group" aria-label="History">
      <button type="button" className="button button-icon" onClick={undo} disabled={!last} aria-label="Undo"
        title={last ? `Undo: ${last.label} (Ctrl+Z)` : 'Nothing to undo'}>↶</button>
      <button type="button" className="button button-icon" onClick={redo} disabled={!future[0]} aria-label="Redo"
        title={future[0] ? `Redo: ${future[0].label} (Ctrl+Shift+Z)` : 'Nothing to redo'}>↷</button>
    </div>
  );
}
