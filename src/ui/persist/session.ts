/**
 * The session: on start, reopen the project that was open (or save the new one), apply a scheme
 * shared in the URL, then autosave every change of the open project to IndexedDB and keep the URL's
 * scheme in step with the document.
 */
import { InputError } from '../../engine/input-error.ts';
import { show } from '../../engine/limits.ts';
import { parseScheme } from '../../engine/train/scheme.ts';
import { isZooName } from '../../engine/models/zoo.ts';
import { compileDoc } from '../store/compile-doc.ts';
import { useStudio, type StudioState } from '../store/index.ts';
import { messageOf } from '../store/doc-slice.ts';
import { viewOf } from '../store/projects-slice.ts';
import { idb } from './idb.ts';
import type { ProjectRecord } from './project-record.ts';
import { readSchemeHash, schemeHash } from './url-scheme.ts';

/** Pause after the last change before the project is written. */
const SAVE_AFTER_MS = 150;

function applySharedScheme(): void {
  const shared = readSchemeHash(location.hash);
  if (!shared) return;
  const s = useStudio.getState();
  try {
    // The whole link is checked (model name, scheme, and that the engine compiles them together)
    // before anything changes: a refused link leaves the open project, and what is saved, as they were.
    if (shared.schemeText.length > 64 * 1024) throw new InputError('the link\'s scheme is longer than 64 KB');
    const scheme = parseScheme(shared.schemeText);
    if (shared.model !== null && !isZooName(shared.model)) throw new InputError(`the link's model ${show(shared.model)} is not a zoo model`);
    if (shared.model && (s.doc.origin.kind !== 'zoo' || s.doc.origin.arch !== shared.model)) {
      const origin = { kind: 'zoo' as const, arch: shared.model };
      compileDoc({ ...s.doc, origin, scheme });
      s.chooseZooModel(shared.model);
    }
    if (JSON.stringify(scheme) === JSON.stringify(useStudio.getState().doc.scheme)) return;
    const r = useStudio.getState().applyScheme(scheme, 'scheme from the link');
    if (!r.ok) throw new Error(r.error);
    useStudio.getState().showNotice('Applied the scheme from the link');
  } catch (e) {
    s.showError({ title: 'The scheme in the link was not applied', message: messageOf(e) });
  }
}

function modelName(s: StudioState): string | null {
  return s.doc.origin.kind === 'zoo' && !s.doc.origin.spec ? s.doc.origin.arch : null;
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
    const s = useStudio.getState();
    const hash = schemeHash(modelName(s), s.doc.scheme);
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
        s.showError({ title: `Could not reopen “${record.name}”`, message: messageOf(e) });
      }
    } else {
      await idb.put(s.currentRecord());
      await idb.putMeta('current', s.projectId);
    }
    await s.refreshProjects();
  } catch (e) {
    s.showNotice(`Projects are not saved: ${messageOf(e)}`);
  }
  applySharedScheme();
  useStudio.getState().setRestored();
  startAutosave();
  startUrlSync();
  // A shared link pasted into the open tab changes only the hash.
  window.addEventListener('hashchange', applySharedScheme);
}
