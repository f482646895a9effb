/**
 * The words the app uses, each explained once: what it is, why it matters here, and where in the
 * paper ("On-Device Training Under 256KB Memory", Lin et al., NeurIPS 2022) it comes from. Shown
 * where the word appears (a "?" beside it) and all together in the glossary.
 */

export interface Term {
  id: string;
  term: string;
  /** One or two sentences: what it is. */
  short: string;
  /** Why it matters, or how this app computes it. */
  more?: string;
  /** Where in the paper. */
  paper?: string;
}

export const GLOSSARY: Term[] = [
  {
    id: 'sparse-update', term: 'Sparse update',
    short: 'Training only some parameters: the biases of the last k convs, and a share of the weights of a few chosen convs. Everything else stays frozen in Flash.',
    more: 'The backward pass then stops early and keeps few activations, which is what makes training fit in 256 KB.',
    paper: 'memory-efficient sparse update.',
  },
  {
    id: 'update-ratio', term: 'Update ratio (0, ⅛, ¼, ½, 1)',
    short: 'The share of a conv’s weight that trains: its first int(C_in · r) input channels (channels, for a depthwise conv). 0 means bias only.',
    more: 'A smaller ratio keeps a smaller slice of the conv’s input for the weight gradient and trains fewer weights, so it costs less SRAM. Biases train for the last k convs: turning one on or off moves that range, and a weight update needs its conv inside it (the notice under the top bar lists what else an edit changed).',
    paper: 'channel-wise update ratios r ∈ {1/8, 1/4, 1/2, 1}.',
  },
  {
    id: 'bias-range', term: 'Bias update of the last k convs',
    short: 'Biases train for the last k convs (nBias = k). A bias needs no saved activation, only the output gradient, so it is cheap; a weight update needs its conv inside this range.',
    paper: 'n_bias_update; the bias curve of its contribution analysis.',
  },
  {
    id: 'qas', term: 'QAS (quantization-aware scaling)',
    short: 'Rescales each int8 parameter’s gradient before the SGD step: weights by 1/s_W², biases by 1/(s_W·s_x)². Without it the gradients of a real int8 graph are far out of proportion to the weights and training stalls.',
    more: 'The Train tab can turn it off for comparison; with it, int8 training matches float32 in this project’s benchmark (README).',
    paper: 'Quantization-Aware Scaling and its plot of the weight-to-gradient norm ratio per layer.',
  },
  {
    id: 'int8', term: 'Real int8 training',
    short: 'The forward pass runs the deployed int8 arithmetic (zero points, per-channel requantization), and the trained weights stay int8 at fixed scales: each step re-quantizes them. No float shadow copy.',
    paper: '“real quantized graph”, as opposed to fake quantization.',
  },
  {
    id: 'clamp-mask', term: 'Clamp mask',
    short: 'One bit per output value of a conv: was it inside [-128, 127] before clamping? The backward pass lets the gradient through only where it was (the int8 ReLU6’s derivative).',
    more: 'Kept from the forward pass instead of the activation itself: 1 bit instead of 8.',
    paper: 'the 1-bit masks of its analytic memory model.',
  },
  {
    id: 'channel-scale', term: 'Per-channel scale',
    short: 'Multiplies each output channel’s gradient by the conv’s effective scale (x_scale · w_scale[c] / y_scale): the int8 requantization’s derivative, before the gradient goes into the conv.',
  },
  {
    id: 'input-grad', term: 'Input gradient',
    short: 'The gradient of the loss with respect to a layer’s input, passed on to the layer before. It stops at the first trained conv: nothing in front of it needs one (backward graph pruning).',
    paper: 'compile-time backward graph pruning (Tiny Training Engine).',
  },
  {
    id: 'weight-update', term: 'Weight gradient and in-place update',
    short: 'The trained slice of a conv’s weight gets its gradient from the saved input and the output gradient, then is updated at once, in place (QAS, SGD, re-quantization), so no whole gradient is kept.',
    paper: 'operator reordering and in-place update (its Fig. 10: peak memory with and without reordering).',
  },
  {
    id: 'residual-split', term: 'Residual split',
    short: 'The backward of a residual add: the incoming gradient goes to both of its inputs, each rescaled by its input scale over the output scale.',
  },
  {
    id: 'gradient-sum', term: 'Gradient sum',
    short: 'Where a tensor feeds two places (a block input feeds both the block and the skip), their two gradients are added before going further back.',
  },
  {
    id: 'fused-backward', term: 'Fused block backward',
    short: 'One kernel that runs a whole inverted-bottleneck block’s backward (pw2 input gradient, depthwise, pw1) channel by channel, so only one channel’s intermediate gradients are ever in SRAM.',
    more: 'block_bwd and dw_pw_bwd in the program; the backward graph lists what each fused kernel contains.',
  },
  {
    id: 'peak-sram', term: 'Peak SRAM',
    short: 'All the SRAM the exported firmware links to: the arena, sized by the step where the most buffers are live (activations, saved inputs, masks, gradients, the kernels’ workspaces), plus the trained parameters, optimizer state, small workspaces, the runtime’s own data and the stack reserve.',
    more: 'data + bss of arm-none-eabi-size, checked by a test that builds the firmware; the timeline shows each step, the peak marked.',
  },
  {
    id: 'paper-figure', term: 'Paper model (analytic figure)',
    short: 'The paper’s formula for a scheme’s extra memory: masks, saved input activations and trained weights of the updated convs, plus the classifier’s input. Its scheme labels name this figure: “@49kb” is a scheme whose analytic figure is about 49 KB.',
    more: 'It leaves out the activations and gradients of the step itself, so peak SRAM is always higher. Both are shown side by side.',
    paper: 'analytic memory cost, used inside its scheme search.',
  },
  {
    id: 'arena', term: 'Arena',
    short: 'One block of SRAM in which the compiler places every buffer of the step at a fixed offset; buffers that are never live at the same time share bytes. The Arena view draws time across and address down.',
  },
  {
    id: 'streamed-input', term: 'Streamed input',
    short: 'The first fused block reads the image row by row from where it already is (camera, Flash, caller) into a ring of a few rows, so the whole image never sits in SRAM.',
  },
  {
    id: 'contribution-analysis', term: 'Contribution analysis',
    short: 'Measures what each part of a scheme is worth by fine-tuning: the accuracy gained by training the biases of the last k convs (over the head alone), and by each conv’s weight at each ratio (over those biases).',
    more: 'Here every gain is a real fine-tuning run in a worker; the Analysis tab shows the bias curve and the conv × ratio heatmap.',
    paper: 'contribution analysis (its figure of bias gains of the last k layers and of each layer’s weight gain by ratio).',
  },
  {
    id: 'summed-gain', term: 'Summed gain',
    short: 'A scheme’s score in the search: the bias gain of its k plus the weight gains of its chosen convs and ratios, assuming the gains add up. The search finds the largest summed gain whose peak SRAM fits the budget.',
    paper: 'scheme search objective (max Δacc_b + Σ Δacc_W under a memory constraint).',
  },
  {
    id: 'last-k', term: 'last-k',
    short: 'The baseline the paper compares with: weights and biases of the last k convs all train. Accurate, but its memory grows fast with k.',
  },
  {
    id: 'flash', term: 'Flash',
    short: 'Read-only memory: frozen weights, scales and biases, the initial values of the trained parameters (copied to SRAM at start-up), and the code.',
  },
];

export const TERMS: Record<string, Term> = Object.fromEntries(GLOSSARY.map((t) => [t.id, t]));

/** The glossary entry of each kernel kind of the backward graph. */
export const KIND_TERM: Record<string, string> = {
  loss: 'input-grad', 'input-grad': 'input-grad', mask: 'clamp-mask', scale: 'channel-scale', bias: 'bias-range', weight: 'weight-update', fused: 'fused-backward',
};
