/**
 * "Export firmware": the training program as a Cortex-M C project. Pick the target, read the plan's
 * memory (the engine's report: what the firmware links to), browse every
 * generated file in a read-only Monaco preview, download the engine's zip. The files are generated
 * and zipped in a worker (src/ui/export); nothing leaves the browser.
 */
import { lazy, Suspense, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { TARGETS, type Target } from '../../engine/codegen/index.ts';
import { isTarget } from '../../engine/codegen/c-target.ts';
import { safeName } from '../../engine/codegen/c-format.ts';
import { EXPORT_SAMPLES, EXPORT_STEPS, useFirmwareExport } from '../export/useFirmwareExport.ts';
import { chipTarget, CORE_NAMES, exportRefusal } from '../../engine/targets.ts';
import { formatBytes } from '../format.ts';
import { userMessage } from '../../engine/input-error.ts';
import { useStudio } from '../store/index.ts';

// Monaco is large: it loads the first time the dialog opens.
const FilePreview = lazy(() => import('../export/FilePreview.tsx'));

/** The engine's export targets, as its table says: the boards, then QEMU's (one per Cortex-M class). */
const TARGET_CHOICES: { id: Target; label: string; note: string; qemu: boolean }[] = TARGETS.map((id) => {
  const chip = chipTarget(id)!;
  const core = CORE_NAMES[chip.core];
  return chip.build?.qemuMachine
    ? { id, label: `QEMU ${id}`, note: `${core} in qemu-system-arm: make run-qemu, output by semihosting`, qemu: true }
    : { id, label: chip.label.replace(/ \(.*\)$/, ''), note: `The board (${core}): RAM limited to the training budget, UART and sensor hooks to fill in`, qemu: false };
});

/** What kind of file it is, for the preview's header. */
function fileKind(path: string): string {
  if (path.endsWith('.c')) return 'C source';
  if (path.endsWith('.h')) return 'C header';
  if (path.endsWith('.ld')) return 'linker script';
  if (path.endsWith('.md')) return 'Markdown';
  if (path.endsWith('.json')) return 'JSON';
  if (path === 'Makefile') return 'Makefile';
  return 'text';
}

/** A name for the zip and its folder: the model and the target, safe as a file name. */
function folderName(model: string, target: Target): string {
  return `${safeName(model.replace(/\.(pkl|tflite|ttw)$/i, ''))}-${target}`;
}

function saveBlob(bytes: Uint8Array<ArrayBuffer>, fileName: string, parent: HTMLElement): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  // Inside the dialog: the rest of the page is inert while it is open.
  parent.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function FirmwareDialog() {
  const close = useStudio((s) => s.setFirmwareOpen);
  const program = useStudio((s) => s.program);
  const params = useStudio((s) => s.project.model.params);
  const docTarget = useStudio((s) => s.doc.target.id);
  const showNotice = useStudio((s) => s.showNotice);
  const [target, setTarget] = useState<Target>(isTarget(docTarget) ? docTarget : 'stm32f746');
  // A memory-planning target (or custom budgets): the export says so, and builds only for the boards it has.
  const planningOnly = docTarget === 'custom' ? null : exportRefusal(docTarget);
  const [selected, setSelected] = useState('main.c');
  const [zipping, setZipping] = useState(false);
  const [zipError, setZipError] = useState<string | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);
  const { status, project, error, zip } = useFirmwareExport(program, params, target);
  const report = program.report;
  const folder = folderName(program.graph.name, target);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!d.open) d.showModal();
    // Escape closes it wherever the focus is (the page's own Escape, clearing the selection, must not run).
    const onEscape = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopPropagation();
      close(false);
    };
    window.addEventListener('keydown', onEscape, true);
    return () => {
      window.removeEventListener('keydown', onEscape, true);
      if (d.open) d.close();
      before?.focus();
    };
  }, [close]);

  const files = project?.files ?? [];
  const file = files.find((f) => f.path === selected) ?? files[0];
  // The firmware figures depend on the target: only the current project's.
  const firmware = status === 'ready' ? project?.firmware ?? null : null;

  const download = async () => {
    if (zipping) return;
    setZipping(true);
    setZipError(null);
    try {
      const bytes = await zip(folder);
      if (dialog.current) saveBlob(bytes, `${folder}.zip`, dialog.current);
      showNotice(`Saved ${folder}.zip (${formatBytes(bytes.length)})`);
    } catch (e) {
      setZipError(userMessage(e));
    } finally {
      setZipping(false);
    }
  };

  // The page's shortcuts stay behind the dialog.
  const onKeyDown = (e: KeyboardEvent) => e.stopPropagation();

  return (
    <dialog ref={dialog} className="firmware-dialog" aria-labelledby="firmware-title" aria-describedby="firmware-subtitle"
      onCancel={(e) => { e.preventDefault(); close(false); }} onKeyDown={onKeyDown}>
      <header className="firmware-head">
        <div>
          <h2 id="firmware-title">Export firmware</h2>
          <p id="firmware-subtitle" className="muted">
            <strong>{program.graph.name}</strong> · the training step as a Cortex-M C project: {program.kernels.length} kernels on one static arena, no allocation
          </p>
        </div>
        <button type="button" className="button button-ghost button-icon" aria-label="Close the dialog" title="Close (Esc)" onClick={() => close(false)}>×</button>
      </header>

      <div className="firmware-body">
        <div className="firmware-side">
          <fieldset className="firmware-section firmware-targets">
            <legend>Target</legend>
            {planningOnly && <p className="firmware-note" role="note" data-testid="export-planning-only">{planningOnly.replace(/^export: /, '')}</p>}
            {TARGET_CHOICES.map((t) => (
              <label key={t.id} className={`firmware-target${target === t.id ? ' checked' : ''}`}>
                <input type="radio" name="firmware-target" value={t.id} checked={target === t.id} onChange={() => setTarget(t.id)} />
                <span>
                  <strong>{t.label}</strong>
                  <span className="muted">{t.note}</span>
                </span>
              </label>
            ))}
          </fieldset>

          <section className="firmware-section" aria-label="Memory of the plan">
            <h3>Memory of the plan</h3>
            <dl className="firmware-figures num">
              <dt title="What the firmware links to (data + bss: the arena, every static object, the stack reserve), against the training budget">SRAM</dt>
              <dd>
                <span className={report.sramFits ? '' : 'over'} data-testid="export-sram" data-bytes={report.peakSramBytes}
                  title={`${report.peakSramBytes.toLocaleString('en-US')} bytes`}>{formatBytes(report.peakSramBytes)}</span>
                <span className="muted"> / {formatBytes(report.budgets.sramBytes)}</span>
              </dd>
              <dt title="The one static buffer every tensor of the step lives in, at its planned offset">Arena</dt>
              <dd title={`${report.arenaBytes.toLocaleString('en-US')} bytes`}>{formatBytes(report.arenaBytes)}</dd>
              <dt title="Parameters, tables, the embedded samples and a code estimate (text + data), against the Flash budget">Flash</dt>
              <dd>
                <span className={report.flashFits ? '' : 'over'} data-testid="export-flash" data-bytes={report.flashBytes}>{formatBytes(report.flashBytes)}</span>
                <span className="muted"> / {formatBytes(report.budgets.flashBytes)}</span>
              </dd>
              <dt title="Small static scratch outside the arena (the large kernel workspaces are arena buffers)">Small workspaces</dt>
              <dd>{firmware ? formatBytes(firmware.workspaceBytes) : '…'}</dd>
              <dt title="Stack the linker script reserves">Stack reserve</dt>
              <dd>{firmware ? formatBytes(firmware.stackBytes) : '…'}</dd>
              <dt title="The RAM region of the target's linker script">Linker RAM</dt>
              <dd data-testid="export-ram-region" data-bytes={firmware?.ramRegionBytes}>{firmware ? formatBytes(firmware.ramRegionBytes) : '…'}</dd>
            </dl>
          </section>

          {!report.fits && (
            <div className="firmware-warning" role="alert" data-testid="export-warning">
              <strong>Over budget: not exported.</strong>
              {report.messages.map((m) => <span key={m}>{m}</span>)}
              <span className="muted">The firmware would not link (the STM32F746 linker’s RAM is the training budget): change the scheme or the budget.</span>
            </div>
          )}

          <p className="firmware-note" data-testid="export-samples-note">
            main.c trains {EXPORT_STEPS} steps on <strong>{EXPORT_SAMPLES} synthetic samples</strong> (seeded random int8 images): the
            browser has no dataset files. Real images: <code>tinytrain export --dataset mnist</code>, or the board's
            sensor hook.
          </p>
        </div>

        <section className="firmware-files" aria-label="Generated files">
          <h3>
            Files <span className="muted num">{project ? `${files.length} · ${formatBytes(project.totalBytes)}` : ''}</span>
          </h3>
          {status === 'generating' && <p className="muted firmware-pending" role="status">Generating the C project…</p>}
          {error !== null && <p className="firmware-error" role="alert">Could not generate the project: {error}</p>}
          {project && (
            <ul className={`firmware-file-list${status === 'ready' ? '' : ' stale'}`} role="listbox" aria-label="Generated files" aria-busy={status === 'generating'}>
              {files.map((f) => (
                <li key={f.path} role="option" aria-selected={f.path === file?.path} data-path={f.path} tabIndex={f.path === file?.path ? 0 : -1}
                  className={f.path === file?.path ? 'selected' : ''} onClick={() => setSelected(f.path)}
                  onKeyDown={(e) => {
                    const at = files.findIndex((x) => x.path === f.path);
                    const to = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : -1;
                    if (to < 0 || to >= files.length) return;
                    e.preventDefault();
                    setSelected(files[to].path);
                    (e.currentTarget.parentElement?.children[to] as HTMLElement | undefined)?.focus();
                  }}>
                  <span className="firmware-file-name mono">{f.path}</span>
                  <span className="firmware-file-size num muted">{formatBytes(f.bytes)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="firmware-preview" aria-label="Preview" data-testid="file-preview" data-path={file?.path}>
          <div className="firmware-preview-head">
            <span className="mono">{file?.path ?? '…'}</span>
            {file && <span className="muted">{fileKind(file.path)} · {formatBytes(file.bytes)} · read-only</span>}
          </div>
          <div className="firmware-preview-body">
            {file ? (
              <Suspense fallback={<div className="muted editor-loading">Loading the editor…</div>}>
                <FilePreview path={file.path} text={file.text} />
              </Suspense>
            ) : (
              <div className="muted editor-loading">{error !== null ? 'Nothing to preview.' : 'Generating…'}</div>
            )}
          </div>
        </section>
      </div>

      <footer className="firmware-foot">
        <span className="muted">
          {status === 'ready' && project ? <>Generated in {Math.round(project.ms)} ms · unzips to <code>{folder}/</code> · then <code>make</code>{TARGET_CHOICES.find((t) => t.id === target)?.qemu ? <> and <code>make run-qemu</code></> : null}</> : ' '}
        </span>
        {zipError && <span className="firmware-error" role="alert">{zipError}</span>}
        <button type="button" className="button" onClick={() => close(false)}>Close</button>
        <button type="button" className="button button-primary" disabled={status !== 'ready'} aria-disabled={zipping} onClick={() => void download()}>
          {zipping ? 'Zipping…' : `Download ${folder}.zip`}
        </button>
      </footer>
    </dialog>
  );
}
