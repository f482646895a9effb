/**
 * A generated file, read-only in Monaco (the app's bundled copy, loaded with this module the first
 * time the firmware dialog opens). C and the linker script are highlighted as C, the README as
 * Markdown, the Makefile as shell, memory_report.json with the JavaScript tokenizer.
 */
import Editor, { type OnMount } from '@monaco-editor/react';
import 'monaco-editor/languages/definitions/cpp/register';
import 'monaco-editor/languages/definitions/javascript/register';
import 'monaco-editor/languages/definitions/markdown/register';
import 'monaco-editor/languages/definitions/shell/register';
import { useEffect, useRef } from 'react';
import type { monaco } from '../scheme/monaco-setup.ts';
import '../scheme/monaco-setup.ts';

/** Monaco's language id for a generated file. */
export function editorLanguage(path: string): string {
  if (/\.(c|h|ld)$/.test(path)) return 'c';
  if (path.endsWith('.md')) return 'markdown';
  if (path.endsWith('.json')) return 'javascript';
  if (path === 'Makefile') return 'shell';
  return 'plaintext';
}

export interface FilePreviewProps {
  path: string;
  text: string;
}

export default function FilePreview({ path, text }: FilePreviewProps) {
  const editor = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const onMount: OnMount = (ed) => {
    editor.current = ed as unknown as monaco.editor.IStandaloneCodeEditor;
  };
  // Another file starts at its top.
  useEffect(() => {
    editor.current?.setScrollPosition({ scrollTop: 0, scrollLeft: 0 });
  }, [path]);
  return (
    <Editor
      value={text}
      language={editorLanguage(path)}
      theme="vs-dark"
      onMount={onMount}
      options={{
        readOnly: true, domReadOnly: true, minimap: { enabled: false }, fontSize: 12.5, scrollBeyondLastLine: false,
        automaticLayout: true, renderLineHighlight: 'none', contextmenu: false, tabSize: 4, folding: true,
        ariaLabel: `${path} (read-only preview)`,
      }}
      loading={<div className="muted editor-loading">Loading the editor…</div>}
    />
  );
}
