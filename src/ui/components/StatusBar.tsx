/** The status bar: where the model comes from, what the app is doing, and the model's totals. */
import { formatCount, formatShape } from '../format.ts';
import { useStudio } from '../store/index.ts';

export function StatusBar() {
  const { origin, model, summary } = useStudio((s) => s.project);
  const busy = useStudio((s) => s.busy);
  return (
    <footer className="statusbar" aria-label="Status bar">
      <span className={`status-source status-${origin.kind}`}>
        <span className="status-dot" aria-hidden="true" />
        {origin.kind === 'zoo' ? (
          <>Zoo architecture <strong>{origin.arch}</strong> · {model.source}</>
        ) : (
          <FileSource fileName={origin.fileName} source={model.source} />
        )}
      </span>
      {busy && <span className="status-busy" role="status">{busy}</span>}
      <span className="status-spacer" />
      <span className="status-totals num">
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
