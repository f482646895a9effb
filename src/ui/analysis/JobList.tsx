/**
 * The queue: one row per job (a measurement at a training seed, or a held-out run of a finalist) with
 * what it trains, its state, its progress, the worker running it, the measured validation (and, for
 * a held-out run, test) accuracy and time, and why it failed (a worker that died shows here).
 */
import type { AnalysisJobResult, AnalysisJobSpec } from '../../engine/analysis/contribution.ts';
import { formatDuration, ratioLabel } from './analysis-format.ts';
import type { LiveJob } from './useAnalysisRun.ts';

export function jobTitle(j: AnalysisJobSpec): string {
  const seed = ` · seed ${j.seed}`;
  if (j.kind === 'baseline') return `baseline: head only${seed}`;
  if (j.kind === 'bias') return `biases of the last ${j.k}${seed}`;
  if (j.kind === 'final') return `held-out: ${j.label ?? 'finalist'}${seed}`;
  return `conv ${j.conv} weight ${ratioLabel(j.ratio!)}${seed}`;
}

type RowState = 'queued' | LiveJob['status'] | AnalysisJobResult['status'];

export function JobList({ jobs, results, live, deaths }: {
  jobs: AnalysisJobSpec[]; results: Map<string, AnalysisJobResult>; live: Record<string, LiveJob>; deaths: Record<string, string>;
}) {
  return (
    <div className="job-list" role="region" aria-label="Jobs" tabIndex={0}>
      <table className="layer-table job-table">
        <thead>
          <tr><th className="col-job">job</th><th className="col-state">state</th><th>progress</th><th className="num col-w">worker</th><th className="num col-acc">val. acc.</th><th className="num col-acc">test acc.</th><th className="num col-time">time</th></tr>
        </thead>
        <tbody>
          {jobs.map((j) => {
            const r = results.get(j.id);
            const l = live[j.id];
            const state: RowState = l && (l.status === 'running' || l.status === 'retrying') ? l.status : r?.status ?? l?.status ?? 'queued';
            const fraction = state === 'completed' ? 1 : l?.fraction ?? 0;
            const note = [deaths[j.id], state === 'running' || state === 'retrying' ? l?.note : r?.message ?? l?.note].filter(Boolean).join('; ');
            return (
              <tr key={j.id} data-job={j.id} data-state={state}>
                <td className="col-job">{jobTitle(j)}</td>
                <td className="col-state"><span className={`job-state job-${state}`}>{state}</span></td>
                <td>
                  <div className="job-progress-cell">
                    <span className="job-bar"><span style={{ width: `${(fraction * 100).toFixed(1)}%` }} /></span>
                    {note && <span className="job-note" title={note}>{note}</span>}
                  </div>
                </td>
                <td className="num col-w">{l?.worker !== undefined ? `#${l.worker + 1}` : ''}</td>
                <td className="num col-acc">{r?.valAccuracy != null ? `${(r.valAccuracy * 100).toFixed(1)} %` : ''}</td>
                <td className="num col-acc">{r?.testAccuracy != null ? `${(r.testAccuracy * 100).toFixed(1)} %` : ''}</td>
                <td className="num col-time">{r && r.seconds > 0 ? formatDuration(r.seconds) : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
