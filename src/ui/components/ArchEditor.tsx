/**
 * Architecture edits of the selected conv's block: output channels, kernel, stride, expansion; insert
 * a block after it or remove it. The engine rebuilds the graph; an edit it refuses says why and
 * changes nothing. Zoo models only (a model file fixes its architecture).
 */
import { useState } from 'react';
import type { ConvRole } from '../../engine/ir/graph.ts';
import { editableFields, fieldValue, type ConvField } from '../store/arch-edits.ts';
import { specOf } from '../store/arch-slice.ts';
import { useStudio } from '../store/index.ts';
import { PropertySection } from './PropertySection.tsx';

const FIELD_LABEL: Record<ConvField, string> = { out: 'Output channels', kernel: 'Kernel', stride: 'Stride', mid: 'Expansion channels' };

function ArchField({ label, value, onApply }: { label: string; value: number; onApply(v: number): boolean }) {
  const [draft, setDraft] = useState<string | null>(null);
  const apply = () => {
    if (draft !== null && draft.trim() !== '' && Number(draft) !== value) onApply(Number(draft));
    setDraft(null);
  };
  return (
    <label className="arch-field">
      <span>{label}</span>
      <input className="input input-number" type="number" min={1} value={draft ?? String(value)} aria-label={label}
        onChange={(e) => setDraft(e.target.value)} onBlur={apply}
        onKeyDown={(e) => {
          if (e.key === 'Enter') apply();
          if (e.key === 'Escape') setDraft(null);
        }} />
    </label>
  );
}

export function ArchEditor({ name, role, block }: { name: string; role: ConvRole; block: number }) {
  const doc = useStudio((s) => s.doc);
  const { editConvField, insertBlockAfter, removeBlockAt } = useStudio.getState();
  const spec = specOf(doc);
  if (!spec) {
    return (
      <PropertySection title="Architecture">
        <dt>Edits</dt><dd className="muted">A model file fixes its architecture; choose a zoo model to edit one.</dd>
      </PropertySection>
    );
  }
  const fields = editableFields(role);
  return (
    <section className="prop-section">
      <h3>Architecture {block >= 0 ? <span className="muted">· block {block}</span> : <span className="muted">· stem</span>}</h3>
      <div className="arch-fields">
        {fields.map((f) => (
          <ArchField key={`${name}-${f}`} label={FIELD_LABEL[f]} value={fieldValue(spec, block, f)}
            onApply={(v) => editConvField({ kind: 'conv', block, role, field: f, value: v }, `set ${FIELD_LABEL[f].toLowerCase()} of ${name} to ${v}`)} />
        ))}
      </div>
      <div className="arch-actions">
        <button type="button" className="button button-small" onClick={() => insertBlockAfter(block)}>
          Insert block after
        </button>
        {block >= 0 && (
          <button type="button" className="button button-small" onClick={() => removeBlockAt(block)}>
            Remove block {block}
          </button>
        )}
      </div>
      <p className="hint-small muted">Shapes are re-inferred by the engine; an edit that breaks the graph is refused with the reason. Ctrl+Z undoes.</p>
    </section>
  );
}
