/**
 * The project menu: the open project's name (rename in place), the saved projects (open, delete),
 * new, export to a file, import from one, copy a link that carries the scheme.
 */
import { useEffect, useRef, useState } from 'react';
import { PROJECT_EXTENSION } from '../persist/project-file.ts';
import { useStudio } from '../store/index.ts';

export function ProjectMenu() {
  const name = useStudio((s) => s.projectName);
  const projectId = useStudio((s) => s.projectId);
  const projects = useStudio((s) => s.projects);
  const saving = useStudio((s) => s.saving);
  const { renameProject, switchProject, newProject, deleteProject, exportProject, importProjectFile, showNotice } = useStudio.getState();
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState(name);
  const [shownName, setShownName] = useState(name);
  if (shownName !== name) {
    setShownName(name);
    setDraft(name);
  }
  const root = useRef<HTMLDivElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('mousedown', close);
    return () => window.removeEventListener('mousedown', close);
  }, [open]);

  const copyLink = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      showNotice('Link with the scheme copied');
    } catch {
      showNotice(`Share this link: ${location.href}`);
    }
  };

  return (
    <div className="project-menu" ref={root}>
      <button type="button" className="button project-button" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}
        title="Projects (saved in this browser)">
        <span className="project-name">{name}</span>
        <span className={`save-dot${saving ? ' saving' : ''}`} data-testid="save-state" data-saving={saving} title={saving ? 'Saving…' : 'Saved in this browser'} />
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div className="menu" role="menu" aria-label="Projects">
          <label className="menu-field">
            <span className="field-label">Name</span>
            <input className="input" value={draft} aria-label="Project name" onChange={(e) => setDraft(e.target.value)}
              onBlur={() => renameProject(draft)} onKeyDown={(e) => e.key === 'Enter' && renameProject(draft)} />
          </label>
          <div className="menu-sep" />
          <div className="menu-title">Projects in this browser</div>
          <ul className="menu-list">
            {projects.map((p) => (
              <li key={p.id} className={p.id === projectId ? 'current' : ''}>
                <button type="button" role="menuitem" className="menu-item" onClick={() => { void switchProject(p.id); setOpen(false); }}>
                  {p.name} <span className="muted">{new Date(p.updatedAt).toLocaleString()}</span>
                </button>
                <button type="button" className="menu-delete" aria-label={`Delete ${p.name}`} title="Delete"
                  onClick={() => { if (confirm(`Delete “${p.name}”? This cannot be undone.`)) void deleteProject(p.id); }}>×</button>
              </li>
            ))}
          </ul>
          <div className="menu-sep" />
          <button type="button" role="menuitem" className="menu-item" onClick={() => { void newProject(); setOpen(false); }}>New project</button>
          <button type="button" role="menuitem" className="menu-item" onClick={() => { exportProject(); setOpen(false); }}>Export project file… <kbd>Ctrl S</kbd></button>
          <button type="button" role="menuitem" className="menu-item" onClick={() => fileInput.current?.click()}>Import project file…</button>
          <button type="button" role="menuitem" className="menu-item" onClick={() => { void copyLink(); setOpen(false); }}>Copy link with this scheme</button>
        </div>
      )}
      <input ref={fileInput} type="file" hidden accept={`${PROJECT_EXTENSION},.json`} aria-label="Project file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          setOpen(false);
          if (file) void importProjectFile(file);
        }} />
    </div>
  );
}
