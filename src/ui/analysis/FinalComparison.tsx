/**
 * The held-out comparison: the search's top schemes and the baselines the estimate cannot rank below
 * the best one (final.ts), each trained whole with the analysis's recipe over the training seeds and
 * scored on the test images no gain or choice has seen. One row per finalist: why it is there, its
 * summed-gain estimate (a partial one marked *) beside the accuracy it measured (validation and
 * held-out, mean ± standard deviation), a small bar of the held-out accuracy with its spread on a
 * scale shared by the rows, and the winner marked; then the engine's verdict, which says plainly when
 * a baseline won, the baselines not trained with the reason, and what each partial estimate leaves
 * out. Renders the engine's FinalReport only.
 */
import type { FinalReport, FinalRow } from '../../engine/analysis/final.ts';
import { partialNote, type Stat } from '../../engine/analysis/gains.ts';
import { formatBytes } from '../format.ts';
import { formatGain, schemeSummary } from './analysis-format.ts';

const pct = (s: Stat | null) => (s ? `${(s.mean * 100).toFixed(1)} %${s.sd !== null ? ` ± ${(s.sd * 100).toFixed(1)}` : ''}` : '–');

/** The held-out accuracy as a bar with a whisker of ± one standard deviation, on [lo, hi]. */
function AccuracyBar({ s, lo, hi, winner }: { s: Stat | null; lo: number; hi: number; winner: boolean }) {
  const W = 96, H = 12;
  if (!s) return <svg className="final-bar" width={W} height={H} aria-hidden />;
  const x = (v: number) => Math.max(0, Math.min(W, ((v - lo) / (hi - lo)) * W));
  const sd = s.sd ?? 0;
  return (
    <svg className="final-bar" width={W} height={H} aria-hidden>
      <rect x={0} y={2} width={x(s.mean)} height={H - 4} rx={2} className={winner ? 'final-bar-winner' : 'final-bar-fill'} />
      {sd > 0 && <path d={`M${x(s.mean - sd)},${H / 2} H${x(s.mean + sd)} M${x(s.mean - sd)},2 V${H - 2} M${x(s.mean + sd)},2 V${H - 2}`} className="final-bar-whisker" />}
    </svg>
  );
}

export interface FinalComparisonProps {
  report: FinalReport;
  testImages: number;
  seeds: number;
  /** Runs still to make for these finalists; a button offers them when nothing is running. */
  missing: number;
  busy: boolean;
  /** The search is still working out the finalists for the current gains or budget. */
  searching: boolean;
  onRun(): void;
}

export function FinalComparison({ report, testImages, seeds, missing, busy, searching, onRun }: FinalComparisonProps) {
  const tests = report.rows.flatMap((r) => (r.test ? [r.test.mean - (r.test.sd ?? 0), r.test.mean + (r.test.sd ?? 0)] : []));
  // A scale from a little under the lowest whisker: the differences that matter are a few points.
  const lo = tests.length ? Math.max(0, Math.floor(Math.min(...tests) * 20) / 20 - 0.05) : 0;
  const hi = tests.length ? Math.min(1, Math.ceil(Math.max(...tests) * 20) / 20) : 1;
  const row = (r: FinalRow) => {
    const f = r.finalist;
    const won = report.winner === r;
    return (
      <tr key={f.name} data-finalist={f.name} data-kind={f.kind} data-role={f.role} data-partial={f.unmeasured.length > 0 || undefined} data-winner={won || undefined} data-test-mean={r.test?.mean}>
        <td>
          <strong>{f.name}</strong>
          {f.role !== 'top' && <span className="final-tag" title={f.why}>{f.role}</span>}
          {won && <span className="final-tag final-tag-winner">winner</span>}
        </td>
        <td className="final-scheme" title={schemeSummary(f.scheme)}>{schemeSummary(f.scheme)}</td>
        <td className="num">{formatBytes(f.memory)}</td>
        <td className="num" title={partialNote(f.unmeasured) ?? undefined}>
          {formatGain(f.gain)}{f.spread !== null ? ` ± ${f.spread.toFixed(1)}` : ''}{f.unmeasured.length ? ' *' : ''}
        </td>
        <td className="num">{pct(r.val)}</td>
        <td className="num final-test">{pct(r.test)}</td>
        <td><AccuracyBar s={r.test} lo={lo} hi={hi} winner={won} /></td>
        <td className="num">{r.done} / {r.planned}</td>
      </tr>
    );
  };
  const partial = [...report.rows.map((r) => r.finalist), ...report.leftOut].filter((c) => c.unmeasured.length > 0);
  return (
    <div className="final-comparison">
      {report.rows.length > 0 && (
        <div className="final-table-scroll">
          <table className="layer-table final-table" aria-label="Held-out comparison">
            <thead>
              <tr>
                <th>candidate</th><th>scheme</th><th className="num">peak SRAM</th><th className="num" title="Estimate: the summed gain of its parts, ± its spread over seeds">est. gain</th>
                <th className="num" title="Validation accuracy of the whole scheme trained (the images the gains were measured on)">val. acc.</th>
                <th className="num" title={`Accuracy on the ${testImages} held-out test images`}>held-out acc.</th><th /><th className="num">runs</th>
              </tr>
            </thead>
            <tbody>{report.rows.map(row)}</tbody>
          </table>
        </div>
      )}
      <p className={`analysis-message${report.baselineWon ? ' final-baseline-won' : ''}`} role="status" data-testid="final-verdict" data-complete={report.complete}>
        {searching && !report.complete ? 'Waiting for the search to name the finalists…' : report.verdict}
      </p>
      <p className="muted final-note">
        Each finalist is trained whole with the analysis&apos;s recipe, {seeds} seed{seeds > 1 ? 's' : ''} each, and scored on {testImages} held-out
        images; accuracies are mean ± one standard deviation over the seeds. Baselines join the search&apos;s top schemes when the estimate cannot
        rank them below the best one: within its spread, or trained on parts that were not measured.
      </p>
      {report.rows.length > 0 && report.leftOut.length > 0 && (
        <div className="final-left-out" data-testid="final-left-out">
          <span className="muted">Baselines not trained:</span>
          <ul>
            {report.leftOut.map((l) => (
              <li key={l.name} data-left-out={l.name} data-reason={l.reason}>
                <strong>{l.name}</strong> <span className="muted">({formatGain(l.gain)}{l.spread !== null ? ` ± ${l.spread.toFixed(1)}` : ''}{l.unmeasured.length ? ' *' : ''}, {formatBytes(l.memory)}):</span> {l.why}
              </li>
            ))}
          </ul>
        </div>
      )}
      {partial.length > 0 && (
        <ul className="muted final-note final-partial" data-testid="final-partial">
          {partial.map((c) => <li key={c.name}>* {c.name}: {partialNote(c.unmeasured)}</li>)}
        </ul>
      )}
      {missing > 0 && !busy && !searching && (
        <button type="button" className="button button-primary" onClick={onRun}>Compare on held-out images ({missing} run{missing > 1 ? 's' : ''})</button>
      )}
    </div>
  );
}
