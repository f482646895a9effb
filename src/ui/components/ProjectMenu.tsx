/**
 * The project menu: the open project's name (rename in place), the saved projects (open, delete),
 * new, export to a file, import from one, copy a link that carries the whole project. Keyboard: the
 * button opens it with Enter, Space or ↓ (focus on the first item), ↑/↓/Home/End move between items,
 * Esc closes it and gives the focus back to the button, Tab leaves it.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { PROJECT_EXTENSION } from '../persist/project-file.ts';
import { shareLinkFor } from '../persist/share-link.ts';
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
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const items = () => [...(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!root.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('mousedown', onDown);
    return () => window.removeEventListener('mousedown', onDown);
  }, [open]);

  const copyLink = async () => {
    const link = shareLinkFor(useStudio.getState());
    try {
      await navigator.clipboard.writeText(link.url);
      showNotice(link.needsFile ? `Link copied; it needs ${link.needsFile}, which the recipient opens themselves` : 'Link with the whole project copied');
    } catch {
      showNotice(`Share this link: ${link.url}`);
    }
  };

  const onButtonKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
      return;
    }
    if (e.key === 'ArrowDown' || ((e.key === 'Enter' || e.key === ' ') && !open)) {
      e.preventDefault();
      setOpen(true);
      requestAnimationFrame(() => items()[0]?.focus());
    }
  };

  const onMenuKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
      return;
    }
    if (e.key === 'Tab') {
      setOpen(false);
      return;
    }
    if ((e.target as HTMLElement).matches('input')) return; // the name field keeps its keys
    const list = items();
    const at = list.indexOf(document.activeElement as HTMLElement);
    const to = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? list.length - 1 : null;
    if (to === null || !list.length) return;
    e.preventDefault();
    list[(to + list.length) % list.length].focus();
  };

  const act = (f: () => void) => {
    f();
    close(true);
  };

  return (
    <div className="project-menu" ref={root}>
      <button ref={button} type="button" className="button project-button" aria-haspopup="menu" aria-expanded={open} aria-controls="project-menu"
        onClick={() => setOpen(!open)} onKeyDown={onButtonKey} title="Projects (saved in this browser)">
        <span className="project-name">{name}</span>
        <span className={`save-dot${saving ? ' saving' : ''}`} data-testid="save-state" data-saving={saving} title={saving ? 'Saving…' : 'Saved in this browser'} />
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div className="menu" ref={menu} onKeyDown={onMenuKey}>
          <label className="menu-field">
            <span className="field-label">Name</span>
            <input className="input" value={draft} aria-label="Project name" onChange={(e) => setDraft(e.target.value)}
              onBlur={() => renameProject(draft)} onKeyDown={(e) => e.key === 'Enter' && renameProject(draft)} />
          </label>
          <div className="menu-sep" />
          <div role="menu" id="project-menu" aria-label="Projects">
            <div className="menu-title" role="presentation">Projects in this browser</div>
            <ul className="menu-list" role="none">
              {projects.map((p) => (
                <li key={p.id} role="none" className={p.id === projectId ? 'current' : ''}>
                  <button type="button" role="menuitem" className="menu-item" aria-current={p.id === projectId ? 'true' : undefined}
                    onClick={() => act(() => void switchProject(p.id))}>
                    {p.name} <span className="muted">{new Date(p.updatedAt).toLocaleString()}</span>
                  </button>
                  <button type="button" role="menuitem" className="menu-delete" aria-label={`Delete ${p.name}`} title="Delete"
                    onClick={() => { if (confirm(`Delete “${p.name}”? This cannot be undone.`)) void deleteProject(p.id); }}>×</button>
                </li>
              ))}
            </ul>
            <div className="menu-sep" role="separator" />
            <button type="button" role="menuitem" className="menu-item" onClick={() => act(() => void newProject())}>New project</button>
            <button type="button" role="menuitem" className="menu-item" onClick={() => act(exportProject)}>Export project file… <kbd>Ctrl S</kbd></button>
            <button type="button" role="menuitem" className="menu-item" onClick={() => fileInput.current?.click()}>Import project file…</button>
            <button type="button" role="menuitem" className="menu-item" onClick={() => act(() => void copyLink())}>Copy a link to this project</button>
          </div>
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
