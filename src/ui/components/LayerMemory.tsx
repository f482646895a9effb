/**
 * What a layer costs in memory under the current scheme: its trained parameters (static SRAM) and the
 * arena tensors its kernels write (masks, saved inputs, gradients, scratch), each with the engine's
 * bytes; and its kernels in the program, each a link to its step.
 */
import { formatBytes } from '../format.ts';
import { categoryColor, categoryLabel } from '../memory/categories.ts';
import { useStudio } from '../store/index.ts';
import { Prop, PropertySection } from './PropertySection.tsx';

export function LayerMemory({ name }: { name: string }) {
  const program = useStudio((s) => s.program);
  const selectedKernel = useStudio((s) => s.selectedKernel);
  const selectKernel = useStudio((s) => s.selectKernel);
  const trained = program.trainable.filter((t) => t.node === name);
  const steps = program.kernels.map((k, i) => ({ k, i })).filter(({ k }) => k.node === name);
  const written = new Map<string, { bytes: number; category: string }>();
  for (const { k } of steps) {
    for (const o of k.outputs) {
      const t = program.tensors[o];
      if (t && !t.aliasOf && !written.has(o)) written.set(o, { bytes: t.bytes, category: t.category });
    }
  }
  const pruned = program.pruned.filter((p) => p.node === name);
  return (
    <>
      <PropertySection title="Memory now">
        {trained.length === 0 && written.size === 0 && <Prop label="Cost">nothing in SRAM</Prop>}
        {trained.map((t) => (
          <Prop key={t.param} label={t.param.endsWith('.bias') ? 'Trained bias' : 'Trained weight'}>
            <span className="num">{formatBytes(t.bytes)}</span> <span className="muted">static SRAM · {t.note}</span>
          </Prop>
        ))}
        {[...written].map(([tensor, w]) => (
          <Prop key={tensor} label={categoryLabel(w.category)}>
            <span className="swatch" style={{ background: categoryColor(w.category) }} aria-hidden="true" />
            <span className="num">{formatBytes(w.bytes)}</span> <span className="muted mono tensor-name" title={tensor}>{tensor}</span>
          </Prop>
        ))}
      </PropertySection>
      <PropertySection title={`Kernels (${steps.length})`}>
        {steps.map(({ k, i }) => (
          <Prop key={k.name} label={`step ${i}`}>
            <button type="button" className={`link-button mono${selectedKernel === k.name ? ' active' : ''}`} onClick={() => selectKernel(k.name)}>
              {k.op}
            </button>{' '}
            <span className="muted">{k.phase}</span>
          </Prop>
        ))}
        {pruned.length > 0 && (
          <Prop label="Pruned">
            <span className="muted">{pruned.map((p) => p.op).join(', ')} · {pruned[0].reason}</span>
          </Prop>
        )}
      </PropertySection>
    </>
  );
}
