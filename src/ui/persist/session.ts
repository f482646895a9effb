/**
 * The session: on start, reopen the project that was open (or save the new one), open a project
 * shared in the URL as a new project, then autosave every change of the open project to IndexedDB
 * and keep the URL's hash a link to the open project (so the address bar is always a share link, and
 * reloading it reopens the same project rather than a copy).
 */
import { demoOrigin } from '../demo/demo-model.ts';
import { useStudio } from '../store/index.ts';
import { userMessage } from '../../engine/input-error.ts';
import { viewOf } from '../store/projects-slice.ts';
import { idb } from './idb.ts';
import type { ProjectRecord } from './project-record.ts';
import { docFromShared, isSharedFile, readShareHash, shareHash, type SharedProject } from './share-link.ts';

/** Pause after the last change before the project is written. */
const SAVE_AFTER_MS = 150;

/** A name for a project received by link: its model and scheme. */
function sharedName(shared: SharedProject): string {
  const m = shared.model;
  const model = m.kind === 'demo' ? 'tinytrain-demo' : m.kind === 'zoo' ? m.arch : m.fileName;
  return `Shared: ${model} ${shared.shape.resolution}px`;
}

/**
 * Opens the project a link in the URL carries, as a new project; the open one (and every other) stays
 * as it was. A link to a project this browser already has (opened from the same link before) opens that one.
 */
async function openSharedLink(): Promise<void> {
  const s = useStudio.getState();
  let shared: SharedProject | null;
  try {
    shared = readShareHash(location.hash);
  } catch (e) {
    s.showError({ title: 'The link could not be opened', message: userMessage(e) });
    return;
  }
  // No project in the link, or the link to the open project itself (a reload).
  if (!shared || location.hash === shareHash(s.doc)) return;
  const hash = location.hash;
  try {
    const same = (await idb.getAll<ProjectRecord>()).find((r) => shareHash(r.doc) === hash);
    if (same) {
      await s.switchProject(same.id);
      s.showNotice(`This link's project is already in this browser: opened “${same.name}”`);
      return;
    }
  } catch {
    // Projects cannot be read: open the link as a new project below.
  }
  const m = shared.model;
  if (m.kind === 'file') {
    const o = s.doc.origin;
    // The recipient has the very file open already: no need to ask for it.
    if (o.kind === 'file' && o.fileName === m.fileName && isSharedFile(m, o.bytes)) void s.openSharedProject(docFromShared(shared, o), sharedName(shared));
    else s.setPendingShare({ ...shared, model: m });
    return;
  }
  const origin = m.kind === 'demo' ? demoOrigin() : m.spec ? { kind: 'zoo' as const, arch: m.arch, spec: m.spec } : { kind: 'zoo' as const, arch: m.arch };
  void s.openSharedProject(docFromShared(shared, origin), sharedName(shared));
}

function startAutosave(): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = async () => {
    timer = undefined;
    try {
      await idb.put(useStudio.getState().currentRecord());
      await idb.putMeta('current', useStudio.getState().projectId);
    } finally {
      if (timer === undefined) useStudio.setState({ saving: false });
    }
  };
  useStudio.subscribe((s, prev) => {
    const changed = s.doc !== prev.doc || s.projectName !== prev.projectName
      || JSON.stringify(viewOf(s)) !== JSON.stringify(viewOf(prev));
    if (!changed || !s.restored) return;
    if (s.projectId !== prev.projectId) return; // opening another project is saved by its action
    if (timer !== undefined) clearTimeout(timer);
    if (!s.saving) useStudio.setState({ saving: true });
    timer = setTimeout(() => void save(), SAVE_AFTER_MS);
  });
}

/** Pause after the last edit before the URL is rewritten (replaceState costs milliseconds: not on every toggle). */
const URL_AFTER_MS = 200;

function startUrlSync(): void {
  const write = () => {
    const hash = shareHash(useStudio.getState().doc);
    if (location.hash !== hash) history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  };
  write();
  let timer: ReturnType<typeof setTimeout> | undefined;
  useStudio.subscribe((s, prev) => {
    if (s.doc === prev.doc) return;
    clearTimeout(timer);
    timer = setTimeout(write, URL_AFTER_MS);
  });
  // A reload or a copied link right after an edit still gets the current scheme.
  window.addEventListener('pagehide', write);
}

export async function restoreSession(): Promise<void> {
  const s = useStudio.getState();
  try {
    const currentId = await idb.getMeta<string>('current');
    const record = currentId ? await idb.get<ProjectRecord>(currentId) : undefined;
    if (record) {
      try {
        s.openRecord(record);
      } catch (e) {
        s.showError({ title: `Could not reopen “${record.name}”`, message: userMessage(e) });
      }
    } else {
      await idb.put(s.currentRecord());
      await idb.putMeta('current', s.projectId);
    }
    await s.refreshProjects();
  } catch (e) {
    s.showNotice(`Projects are not saved: ${userMessage(e)}`);
  }
  await openSharedLink();
  useStudio.getState().setRestored();
  startAutosave();
  startUrlSync();
  // A shared link pasted into the open tab changes only the hash.
  window.addEventListener('hashchange', () => void openSharedLink());
}
