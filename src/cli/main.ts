/** The `tinytrain` command: a thin shell over the engine. Errors are one sentence on stderr, exit 1. */
import { UsageError } from './args.ts';
import { exportProject } from './verbs/export.ts';
import { info } from './verbs/info.ts';
import { plan } from './verbs/plan.ts';
import { train } from './verbs/train.ts';
import { grad } from './verbs/grad.ts';
import { analyze } from './verbs/analyze.ts';

const USAGE = `Usage: tinytrain <verb> [options] [--json]

Verbs:
  info  --model M [--resolution R] [--classes N]     layers, MACs, params, conv indices
  plan  --model M --scheme S [--sram-budget 256KB] [--flash-budget 1MB] [--no-reorder] [--no-fuse]
        the memory plan of the training step: peak SRAM and its breakdown, Flash, the peak op, fits
  train --model M --scheme S --dataset D [--epochs E] [--lr X] [--head-lr X] [--qas on|off] [--precision int8|fp32]
        [--batch B] [--momentum m] [--rounding nearest|stochastic] [--train N] [--val N] [--seed n] [--out FILE.ttw]
        trains and reports validation accuracy; D is mnist, fashion-mnist, demo, or a folder / .zip of class subfolders
  grad  --model M --scheme S --input X.npy --label L --out DIR [--precision int8|fp32]
        one step's logits, loss and parameter gradients (before and after QAS) as .npy files
  export --model M --scheme S --target stm32f746|mps2-an500 --out DIR|FILE.zip [--dataset mnist|fashion-mnist|synthetic]
        [--samples 4] [--steps N] [--sram-budget 256KB]   the Cortex-M7 C project that trains the scheme
  analyze --model M --dataset D [--workers W] [--budget 256KB] [--evaluations N] [--train N] [--val N] [--test N] [--epochs E]
        [--lr X] [--head-lr X] [--seed n] [--seeds 3] [--finalists 3] [--baselines 3] [--bias-ks 2,4,8] [--convs all|20,21]
        [--ratios 1/8,1/4,1/2,1] [--weight-base-k K]
        contribution analysis by fine-tuning (over worker threads, each run over --seeds training seeds), the gain table
        with its spread, the scheme search under the budget, then the search's top schemes and up to --baselines
        baselines (the best by estimate, then those within its spread or with a partial estimate) trained whole and
        compared on held-out test images

M is a zoo model (mcunet-5fps, mbv2-w0.35, proxyless-w0.3), tinytrain-demo, or a model file (.pkl, .ttw).
S is a built-in scheme (<model>@<label> such as mcunet-5fps@99kb, bias-only, head-only, last-<k>, full)
or a scheme file (JSON).
With --json the only thing on stdout is one JSON document.`;

const VERBS: Record<string, (argv: string[]) => void | Promise<void>> = { info, plan, export: exportProject, train, grad, analyze };

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(USAGE);
    return verb ? 0 : 2;
  }
  const run = VERBS[verb];
  if (!run) {
    console.error(`tinytrain: unknown verb "${verb}"; the verbs are ${Object.keys(VERBS).join(', ')}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  try {
    await run(rest);
    return 0;
  } catch (e) {
    const err = e as Error;
    console.error(`tinytrain ${verb}: ${err.message}`);
    if (process.env.TINYTRAIN_DEBUG) console.error(err.stack);
    return err instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
