/** An activation's quantization: scale and zero point, or why it has none. */
import type { Tensor } from '../../engine/ir/tensor.ts';
import { formatScale } from '../format.ts';

export function QuantValue({ tensor }: { tensor: Tensor }) {
  if (!tensor.q) return <span className="muted">{tensor.dtype}, not quantized</span>;
  return (
    <span className="quant-value" title={`real = ${tensor.q.scale} × (q − ${tensor.q.zeroPoint})`}>
      <span>scale <span className="mono">{formatScale(tensor.q.scale)}</span></span>
      <span>zero point <span className="mono">{tensor.q.zeroPoint}</span></span>
    </span>
  );
}
