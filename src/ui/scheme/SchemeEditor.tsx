/**
 * The scheme as JSON in Monaco (bundled, loaded only when this tab opens), two-way: a valid edit
 * applies to the toggles at once; invalid JSON or a scheme the engine refuses is marked in the text
 * and nothing is applied; a toggle elsewhere rewrites the text.
 */
import Editor, { type OnMount } from '@monaco-editor/react';
import { useEffect, useRef, useState } from 'react';
import { parseScheme, schemeToJson } from '../../engine/train/scheme.ts';
import { userMessage } from '../../engine/input-error.ts';
import { useStudio } from '../store/index.ts';
import { monaco } from './monaco-setup.ts';
import { errorRange } from './scheme-markers.ts';

const APPLY_AFTER_MS = 250;
const OWNER = 'tinytrain-scheme';

type Status = { ok: true; text: string } | { ok: false; text: string };

/** The scheme text normalized, or null when it does not parse. */
function normalized(text: string): string | null {
  try {
    return schemeToJson(parseScheme(text));
  } catch {
    return null;
  }
}

export default function SchemeEditor() {
  const scheme = useStudio((s) => s.doc.scheme);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [status, setStatus] = useState<Status>({ ok: true, text: 'In step with the toggles' });

  const mark = (text: string, message: string | null) => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    if (message === null) {
      monaco.editor.setModelMarkers(model, OWNER, []);
      return;
    }
    const r = errorRange(text, message);
    const a = model.getPositionAt(r.start);
    const b = model.getPositionAt(Math.max(r.end, r.start + 1));
    monaco.editor.setModelMarkers(model, OWNER, [{
      severity: monaco.MarkerSeverity.Error, message,
      startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber, endColumn: b.column,
    }]);
  };

  const apply = (text: string) => {
    const s = useStudio.getState();
    let parsed;
    try {
      parsed = parseScheme(text);
    } catch (e) {
      mark(text, userMessage(e));
      setStatus({ ok: false, text: `Not applied: ${userMessage(e)}` });
      return;
    }
    if (schemeToJson(parsed) === schemeToJson(s.doc.scheme)) {
      mark(text, null);
      setStatus({ ok: true, text: 'In step with the toggles' });
      return;
    }
    const r = s.applyScheme(parsed, 'edit the scheme JSON');
    if (r.ok) {
      mark(text, null);
      setStatus({ ok: true, text: 'Applied' });
    } else {
      mark(text, r.error!);
      setStatus({ ok: false, text: `Not applied: ${r.error}` });
    }
  };

  // The store's scheme changed (toggle, preset, undo): rewrite the text unless it already says so.
  useEffect(() => {
    const ed = editorRef.current;
    if (!ed) return;
    const text = ed.getValue();
    if (normalized(text) === schemeToJson(scheme)) return;
    ed.setValue(schemeToJson(scheme));
    mark(ed.getValue(), null);
    setStatus({ ok: true, text: 'In step with the toggles' });
  }, [scheme]);

  useEffect(() => () => clearTimeout(timer.current), []);

  const onMount: OnMount = (ed) => {
    editorRef.current = ed as unknown as monaco.editor.IStandaloneCodeEditor;
    ed.setValue(schemeToJson(useStudio.getState().doc.scheme));
  };

  return (
    <div className="scheme-editor" data-testid="scheme-editor">
      <div className="graph-toolbar">
        <span className="graph-caption">
          The scheme as <code>tinytrain plan --scheme</code> reads it: <code>nBias</code> (biases of the last k convs),{' '}
          <code>weights</code> (conv index → ratio 0, 1/8, 1/4, 1/2, 1, or a channel count), <code>head</code>, <code>momentum</code>.
        </span>
      </div>
      <div className="scheme-editor-body">
        <Editor
          defaultLanguage="json"
          theme="vs-dark"
          onMount={onMount}
          onChange={(text) => {
            clearTimeout(timer.current);
            const t = text ?? '';
            timer.current = setTimeout(() => apply(t), APPLY_AFTER_MS);
          }}
          options={{ minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, tabSize: 2, automaticLayout: true, autoClosingBrackets: 'never', autoClosingQuotes: 'never' }}
          loading={<div className="muted editor-loading">Loading the editor…</div>}
        />
      </div>
      <div className={`scheme-status${status.ok ? '' : ' invalid'}`} role="status" data-testid="scheme-status">
        {status.ok ? '✓ ' : '✗ '}{status.text}
        {!status.ok && <span className="muted"> · the toggles keep the last valid scheme</span>}
      </div>
    </div>
  );
}
