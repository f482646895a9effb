/**
 * Arena memory over the training step: live bytes by category at every kernel (forward, then
 * backward), stacked; beside the step's live bytes, the total the firmware links to; the peak marked; the selected step lined; click a step to select its op.
 * Given a report (the Compare view), it draws that one, read-only, on the given byte scale.
 */
import { useMemo, useState } from 'react';
import type { MemoryReport } from '../../engine/memory/report.ts';
import { ARENA_CATEGORIES } from '../../engine/program/types.ts';
import { formatBytes } from '../format.ts';
import { useElementSize } from '../hooks/useElementSize.ts';
import { useStudio } from '../store/index.ts';
import { categoryColor, categoryLabel } from './categories.ts';

const PAD = { left: 52, right: 10, top: 10, bottom: 18 };

export function TimelineChart({ report: given, scaleBytes, label }: { report?: MemoryReport; scaleBytes?: number; label?: string } = {}) {
  const open = useStudio((s) => s.program.report);
  const report = given ?? open;
  const storeSelected = useStudio((s) => s.selectedKernel);
  const selectedKernel = given ? null : storeSelected;
  const selectKernel = useStudio((s) => s.selectKernel);
  const [ref, size] = useElementSize<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);
  const { timeline, peak } = report;
  const n = timeline.length;
  const w = Math.max(0, size.width - PAD.left - PAD.right);
  const h = Math.max(0, size.height - PAD.top - PAD.bottom);
  const maxTotal = Math.max(1, scaleBytes ?? report.arenaLowerBound);
  const x = (i: number) => PAD.left + (w * i) / Math.max(1, n);
  const y = (bytes: number) => PAD.top + h - (h * bytes) / maxTotal;

  const paths = useMemo(() => {
    if (!w || !h) return [];
    const base = new Array<number>(n).fill(0);
    return ARENA_CATEGORIES.map((c) => {
      let top = '';
      let bottom = '';
      timeline.forEach((t, i) => {
        const b0 = base[i];
        const b1 = b0 + (t.live[c] ?? 0);
        base[i] = b1;
        top += `${i === 0 ? 'M' : 'L'}${x(i)},${y(b1)}L${x(i + 1)},${y(b1)}`;
        bottom = `L${x(i + 1)},${y(b0)}L${x(i)},${y(b0)}` + bottom;
      });
      return { c, d: `${top}${bottom}Z` };
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [timeline, w, h, n, maxTotal]);

  const firstBackward = timeline.findIndex((t) => t.phase !== 'forward');
  const selectedStep = selectedKernel ? timeline.findIndex((t) => t.kernel === selectedKernel) : -1;
  const stepAt = (clientX: number, rect: DOMRect) => Math.max(0, Math.min(n - 1, Math.floor(((clientX - rect.left - PAD.left) / Math.max(1, w)) * n)));
  const shown = hover ?? (selectedStep >= 0 ? selectedStep : peak.step);
  const st = timeline[shown];

  return (
    <>
    {st && (
      <div className="chart-readout num" data-testid={given ? undefined : 'timeline-readout'} data-step={st.step} data-live-bytes={st.total}>
        <span className="mono">step {st.step} · {st.kernel}</span>
        <span>{formatBytes(st.total)} live in the arena</span>
        <span title="What the firmware links to: the whole arena, every static object and the stack reserve">
          of {formatBytes(report.peakSramBytes)} linked (arena {formatBytes(report.arenaBytes)} + static and stack {formatBytes(report.peakSramBytes - report.arenaBytes)})
        </span>
        {ARENA_CATEGORIES.filter((c) => st.live[c]).map((c) => (
          <span key={c}><span className="swatch" style={{ background: categoryColor(c) }} />{categoryLabel(c)} {formatBytes(st.live[c]!)}</span>
        ))}
      </div>
    )}
    <div className="chart" ref={ref} data-testid={given ? undefined : 'timeline-chart'}>
      {w > 0 && (
        <svg width={size.width} height={size.height} role="img" aria-label={label ?? `Arena memory over ${n} steps; peak at step ${peak.step}`}
          onMouseMove={(e) => setHover(stepAt(e.clientX, e.currentTarget.getBoundingClientRect()))}
          onMouseLeave={() => setHover(null)}
          onClick={(e) => !given && selectKernel(timeline[stepAt(e.clientX, e.currentTarget.getBoundingClientRect())].kernel)}>
          {firstBackward > 0 && (
            <>
              <rect x={x(firstBackward)} y={PAD.top} width={x(n) - x(firstBackward)} height={h} className="chart-phase" />
              <text x={x(0) + 4} y={PAD.top + 11} className="chart-note">forward</text>
              <text x={x(firstBackward) + 4} y={PAD.top + 11} className="chart-note">backward + update</text>
            </>
          )}
          {[0, 0.5, 1].map((f) => (
            <g key={f}>
              <line x1={PAD.left} x2={PAD.left + w} y1={y(maxTotal * f)} y2={y(maxTotal * f)} className="chart-grid" />
              <text x={PAD.left - 6} y={y(maxTotal * f) + 4} className="chart-axis" textAnchor="end">{formatBytes(Math.round(maxTotal * f))}</text>
            </g>
          ))}
          {paths.map((p) => <path key={p.c} d={p.d} fill={categoryColor(p.c)} opacity={0.85} />)}
          <line x1={x(peak.step + 0.5)} x2={x(peak.step + 0.5)} y1={PAD.top} y2={PAD.top + h} className="chart-peak" />
          <text x={Math.min(x(peak.step + 0.5) + 4, PAD.left + w - 150)} y={y(timeline[peak.step]?.total ?? 0) + 12} className="chart-peak-label">
            peak · step {peak.step}
          </text>
          {selectedStep >= 0 && <rect x={x(selectedStep)} y={PAD.top} width={Math.max(2, x(1) - x(0))} height={h} className="chart-selected" />}
          {hover !== null && <rect x={x(hover)} y={PAD.top} width={Math.max(1, x(1) - x(0))} height={h} className="chart-hover" />}
          <text x={PAD.left} y={size.height - 4} className="chart-axis">step 0</text>
          <text x={PAD.left + w} y={size.height - 4} className="chart-axis" textAnchor="end">step {n - 1}</text>
        </svg>
      )}
    </div>
    </>
  );
}
