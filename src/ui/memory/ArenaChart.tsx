/**
 * The arena as the planner laid it out: time (kernel steps) across, address down from offset 0,
 * one block per buffer from the step that writes it to the last that reads it. Click a block to
 * select the op that writes it.
 */
import { formatBytes } from '../format.ts';
import { useElementSize } from '../hooks/useElementSize.ts';
import { useStudio } from '../store/index.ts';
import { categoryColor, categoryLabel } from './categories.ts';

const PAD = { left: 52, right: 10, top: 8, bottom: 18 };

export function ArenaChart() {
  const program = useStudio((s) => s.program);
  const selectedKernel = useStudio((s) => s.selectedKernel);
  const selectKernel = useStudio((s) => s.selectKernel);
  const [ref, size] = useElementSize<HTMLDivElement>();
  const n = program.kernels.length;
  const w = Math.max(0, size.width - PAD.left - PAD.right);
  const h = Math.max(0, size.height - PAD.top - PAD.bottom);
  const arena = Math.max(1, program.arenaBytes);
  const x = (step: number) => PAD.left + (w * step) / Math.max(1, n);
  const y = (offset: number) => PAD.top + (h * offset) / arena;
  const selectedStep = selectedKernel ? program.kernels.findIndex((k) => k.name === selectedKernel) : -1;
  return (
    <div className="chart" ref={ref} data-testid="arena-chart">
      {w > 0 && (
        <svg width={size.width} height={size.height} role="img" aria-label={`Arena of ${program.arenaBytes} bytes, ${program.buffers.length} buffers`}>
          <rect x={PAD.left} y={PAD.top} width={w} height={h} className="arena-bg" />
          {program.buffers.map((b) => (
            <rect
              key={b.id}
              x={x(b.start)}
              y={y(b.offset)}
              width={Math.max(1.5, x(b.end + 1) - x(b.start))}
              height={Math.max(1, y(b.offset + b.bytes) - y(b.offset))}
              fill={categoryColor(b.category)}
              className="arena-block"
              onClick={() => selectKernel(program.kernels[b.start]?.name ?? null)}
            >
              <title>{`${b.id} (${categoryLabel(b.category)})\n${formatBytes(b.bytes)} at offset ${b.offset.toLocaleString('en-US')}\nsteps ${b.start}–${b.end}${b.members.length > 1 ? `\nshared by ${b.members.join(', ')}` : ''}`}</title>
            </rect>
          ))}
          {selectedStep >= 0 && <line x1={x(selectedStep + 0.5)} x2={x(selectedStep + 0.5)} y1={PAD.top} y2={PAD.top + h} className="chart-peak" />}
          <text x={PAD.left - 6} y={PAD.top + 10} className="chart-axis" textAnchor="end">0</text>
          <text x={PAD.left - 6} y={PAD.top + h} className="chart-axis" textAnchor="end">{formatBytes(program.arenaBytes)}</text>
          <text x={PAD.left} y={size.height - 4} className="chart-axis">step 0 → {n - 1} · {program.buffers.length} buffers · {program.report.plannerStrategy}</text>
        </svg>
      )}
    </div>
  );
}
