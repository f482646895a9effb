/** A layer's role (stem, pw1, dw, pw2, residual, pool, classifier), or its op where no role says what it is, as a coloured tag. */
import type { LayerRow } from '../../engine/ir/summary.ts';
import { layerBadge } from '../roles.ts';

export function RoleBadge({ row }: { row: Pick<LayerRow, 'role' | 'op' | 'block'> }) {
  const b = layerBadge(row);
  return (
    <span className={`role role-${b.key}`} title={b.description}>
      {b.text}
    </span>
  );
}
