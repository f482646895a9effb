/**
 * The memory area: the model's cost and parameter storage from the engine, and the slot the
 * training-memory plan fills once a scheme is compiled. Every figure here comes from the engine.
 */
import { DEFAULT_FLASH_BUDGET, DEFAULT_SRAM_BUDGET } from '../../engine/memory/report.ts';
import { formatBytes, formatCount, formatPercent } from '../format.ts';
import { useStudio } from '../store/index.ts';
import { MemoryCard } from './MemoryCard.tsx';
import { MeterBar, MeterLegend } from './MeterBar.tsx';

export function MemoryPanel() {
  const { summary, paramBytes } = useStudio((s) => s.project);
  const flash = paramBytes.total / DEFAULT_FLASH_BUDGET;
  return (
    <section className="memory-panel" aria-label="Memory">
      <div className="memory-panel-head">
        <h2>Memory &amp; cost</h2>
        <span className="muted">
          Budgets of the STM32F746 target: {formatBytes(DEFAULT_SRAM_BUDGET)} SRAM for training,{' '}
          {formatBytes(DEFAULT_FLASH_BUDGET)} Flash
        </span>
      </div>
      <div className="memory-cards">
        <MemoryCard title="Compute per inference" headline={<>{formatCount(summary.backboneMacs)} <small>MACs</small></>}>
          <MeterBar
            max={summary.totalMacs}
            label={`Backbone ${summary.backboneMacs} MACs, classifier ${summary.classifierMacs} MACs`}
            segments={[
              { label: 'backbone', value: summary.backboneMacs, tone: 'seg-a' },
              { label: 'classifier', value: summary.classifierMacs, tone: 'seg-b' },
            ]}
          />
          <MeterLegend items={[
            { label: 'backbone', value: formatCount(summary.backboneMacs), tone: 'seg-a' },
            { label: 'classifier', value: formatCount(summary.classifierMacs), tone: 'seg-b' },
          ]} />
        </MemoryCard>

        <MemoryCard title="Parameters" headline={<>{formatCount(summary.backboneParams)} <small>params</small></>}>
          <MeterBar
            max={summary.totalParams}
            label={`Backbone ${summary.backboneParams} parameters, classifier ${summary.classifierParams}`}
            segments={[
              { label: 'backbone', value: summary.backboneParams, tone: 'seg-a' },
              { label: 'classifier', value: summary.classifierParams, tone: 'seg-b' },
            ]}
          />
          <MeterLegend items={[
            { label: 'backbone', value: formatCount(summary.backboneParams), tone: 'seg-a' },
            { label: 'classifier', value: formatCount(summary.classifierParams), tone: 'seg-b' },
          ]} />
        </MemoryCard>

        <MemoryCard
          title="Flash · parameters"
          headline={<>{formatBytes(paramBytes.total)} <small>/ {formatBytes(DEFAULT_FLASH_BUDGET)} · {formatPercent(flash)}</small></>}
        >
          <MeterBar
            max={DEFAULT_FLASH_BUDGET}
            label={`Parameters take ${paramBytes.total} bytes of ${DEFAULT_FLASH_BUDGET} bytes of Flash`}
            segments={[
              { label: 'weights', value: paramBytes.weights, tone: 'seg-a' },
              { label: 'biases', value: paramBytes.biases, tone: 'seg-c' },
              { label: 'scales', value: paramBytes.scales, tone: 'seg-d' },
            ]}
          />
          <MeterLegend items={[
            { label: 'weights', value: formatBytes(paramBytes.weights), tone: 'seg-a' },
            { label: 'biases', value: formatBytes(paramBytes.biases), tone: 'seg-c' },
            { label: 'scales', value: formatBytes(paramBytes.scales), tone: 'seg-d' },
          ]} />
        </MemoryCard>

        <MemoryCard
          title="Training memory · SRAM"
          pending
          headline={<small>– / {formatBytes(DEFAULT_SRAM_BUDGET)}</small>}
        >
          <div className="meter meter-empty" role="img" aria-label="No training memory plan yet" />
          <p className="memory-card-note">Training memory: compile a scheme to see the plan.</p>
        </MemoryCard>
      </div>
    </section>
  );
}
