/**
 * How layer roles and ops read in the app (the vocabulary of MODELS.md). A layer's badge is its role
 * when the role says what the layer is (a pw1 conv, a block's residual add), else its op: an imported
 * general graph's convs ('conv', 'fc'), its adds that join branches, pools, concatenations,
 * reshapes and pads, and any op string at all, which reads as words, never as an empty box.
 */
export const ROLE_DESCRIPTIONS: Record<string, string> = {
  stem: 'Stem convolution',
  pw1: 'Pointwise expansion (1×1, ReLU6)',
  dw: 'Depthwise convolution (ReLU6)',
  pw2: 'Pointwise projection (1×1, linear)',
  residual: 'Residual add (block input + projection)',
  pool: 'Global average pool',
  classifier: 'Classifier',
  conv: 'Convolution',
  fc: 'Fully connected layer (as a 1×1 convolution)',
  maxpool: 'Max pool',
  concat: 'Concatenation (along channels)',
  reshape: 'Reshape (the same bytes, another shape)',
  pad: 'Pad (the zero point around the map, more after than before)',
};

/** The op each role belongs to: a role on another op does not describe it (a max-pool is no 'pool'). */
const ROLE_OPS: Record<string, readonly string[]> = {
  stem: ['conv2d'], pw1: ['conv2d'], dw: ['conv2d'], pw2: ['conv2d'], conv: ['conv2d'], fc: ['conv2d', 'linear'],
  residual: ['add'], pool: ['avgpool'], classifier: ['linear', 'conv2d'], maxpool: ['maxpool'], concat: ['concat'], reshape: ['reshape'], pad: ['pad'],
};

const OPS: Record<string, { label: string; description: string }> = {
  conv2d: { label: 'conv', description: 'Convolution' },
  add: { label: 'add', description: 'Element-wise add (joins two branches)' },
  avgpool: { label: 'avg pool', description: 'Average pool' },
  maxpool: { label: 'max pool', description: 'Max pool' },
  concat: { label: 'concat', description: 'Concatenation (along channels)' },
  reshape: { label: 'reshape', description: 'Reshape (the same bytes, another shape)' },
  pad: { label: 'pad', description: 'Pad (the zero point around the map, more after than before)' },
  linear: { label: 'linear', description: 'Fully connected layer (float32)' },
  softmax_ce: { label: 'softmax + loss', description: 'Softmax and cross-entropy loss' },
};

/** Any op or role string as a short label: known ones by name, others as their words (at most 20 characters). */
export function graphOpLabel(op: string): string {
  const known = OPS[op]?.label;
  if (known) return known;
  const words = op.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[^A-Za-z0-9]+/g, ' ').trim().toLowerCase();
  return words ? (words.length > 20 ? `${words.slice(0, 19)}…` : words) : 'op';
}

/** What a layer's badge shows: its text, its description (the tooltip) and its colour key (a CSS class `role-<key>`). */
export interface LayerBadge {
  text: string;
  description: string;
  key: string;
}

export function layerBadge(row: { role: string; op: string; block?: number | null }): LayerBadge {
  const ops = ROLE_OPS[row.role];
  // An add is a residual only inside a block; a general graph's add joins two branches.
  const residualOutsideBlock = row.role === 'residual' && row.block == null;
  if (ops && ops.includes(row.op) && !residualOutsideBlock) return { text: row.role, description: ROLE_DESCRIPTIONS[row.role], key: row.role };
  const op = OPS[row.op];
  if (op) return { text: op.label, description: op.description, key: ROLE_DESCRIPTIONS[row.op] ? row.op : row.op === 'add' ? 'add' : 'other' };
  const text = graphOpLabel(row.op);
  return { text, description: `${text} (an op the studio shows but does not describe)`, key: 'other' };
}

export function roleDescription(role: string): string {
  return ROLE_DESCRIPTIONS[role] ?? graphOpLabel(role);
}
