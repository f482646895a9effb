/** The status bar: where the model comes from, what the app did or is doing, the compile time and the model's totals. */
import { useEffect, useState } from 'react';
import { formatCount, formatShape } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { originLabel, weightsKind } from '../store/selectors.ts';

/** How long a notice stays. */
const NOTICE_MS = 6000;

export function StatusBar() {
  const { model, summary } = useStudio((s) => s.project);
  const origin = useStudio((s) => s.doc.origin);
  const busy = useStudio((s) => s.busy);
  const notice = useStudio((s) => s.notice);
  const compileMs = useStudio((s) => s.compileMs);
  const kernels = useStudio((s) => s.program.kernels.length);
  // The last notice that has been shown long enough.
  const [expired, setExpired] = useState<number | null>(null);
  useEffect(() => {
    if (!notice) return;
    const t = setTimeout(() => setExpired(notice.seq), NOTICE_MS);
    return () => clearTimeout(t);
  }, [notice]);
  return (
    <footer className="statusbar" aria-label="Status bar">
      <span className={`status-source status-${weightsKind(origin)}`}>
        <span className="status-dot" aria-hidden="true" />
        {weightsKind(origin) === 'demo' ? (
          <>Demo model <strong>{originLabel(origin)}</strong> · real weights</>
        ) : origin.kind === 'zoo' ? (
          <>Zoo architecture <strong>{origin.arch}</strong>{origin.spec ? ' (edited)' : ''} · {model.source}</>
        ) : (
          <FileSource fileName={origin.fileName} source={model.source} />
        )}
      </span>
      {busy && <span className="status-busy" role="status">{busy}</span>}
      {!busy && notice && expired !== notice.seq && <span className="status-notice" role="status">{notice.text}</span>}
      <span className="status-spacer" />
      <span className="status-totals num">
        <span title="Time the engine took to compile the training program">compiled {kernels} kernels in {compileMs.toFixed(1)} ms</span>
        <span>{formatShape(summary.inputShape)} → {summary.classes} classes</span>
        <span>{summary.layers.length} layers</span>
        <span>{summary.convs} convs</span>
        <span>{formatCount(summary.backboneMacs)} MACs</span>
        <span>{formatCount(summary.backboneParams)} params</span>
      </span>
    </footer>
  );
}

/** "File mcunet-5fps.pkl (the paper's int8 weights, …)": the file name in bold, said once. */
function FileSource({ fileName, source }: { fileName: string; source: string }) {
  const at = source.indexOf(fileName);
  if (at < 0) return <>File <strong>{fileName}</strong> · {source}</>;
  return (
    <>
      File {source.slice(0, at)}<strong>{fileName}</strong>{source.slice(at + fileName.length)}
    </>
  );
}
