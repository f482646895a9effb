/**
 * The `tinytrain` command: a thin shell over the engine. A refused input (an InputError: a bad
 * option, file, field or number) is one sentence on stderr and exit 1 (2 for a usage error); any
 * other exception is a bug, reported as such.
 */
import { isInputError } from '../engine/input-error.ts';
import { CommandFailure, UsageError } from './args.ts';
import { err, out, term } from './output.ts';
import { exportProject } from './verbs/export.ts';
import { info } from './verbs/info.ts';
import { plan } from './verbs/plan.ts';
import { train } from './verbs/train.ts';
import { grad } from './verbs/grad.ts';
import { analyze } from './verbs/analyze.ts';
import { device } from './verbs/device.ts';

const USAGE = `Usage: tinytrain <verb> [options] [--json]

Verbs:
  info  --model M [--resolution R] [--classes N]     layers, MACs, params, conv indices
  plan  --model M --scheme S [--target T] [--sram-budget 256KB] [--flash-budget 1MB] [--no-reorder] [--no-fuse]
        the memory plan of the training step: the SRAM and Flash its firmware links to, their breakdown, the peak op, fits
  train --model M --scheme S --dataset D [--epochs E] [--lr X] [--head-lr X] [--qas on|off] [--precision int8|fp32]
        [--batch B] [--momentum m] [--rounding nearest|stochastic] [--train N] [--val N] [--seed n] [--out FILE.ttw|FILE.tflite]
        trains and reports validation accuracy; D is mnist, fashion-mnist, demo, or a folder / .zip of class subfolders
  grad  --model M --scheme S --input X.npy --label L --out DIR [--precision int8|fp32]
        one step's logits, loss and parameter gradients (before and after QAS) as .npy files
  export --model M --scheme S --target T --out DIR|FILE.zip [--dataset mnist|fashion-mnist|synthetic]
        [--samples 4] [--steps N] [--sram-budget 256KB] [--layout make|arduino]   the Cortex-M C project that trains the
        scheme (refused over the budget, naming the region and the overflow); T is a board: stm32f746, stm32h743 (M7),
        nrf52840 (Nano 33 BLE, M4F; --layout arduino writes an Arduino library), stm32f411, stm32f412 (M4F), rp2350 (M33),
        alif-e3-he (M55), or a QEMU board: mps2-an386 (M4F), mps2-an500 (M7), mps2-an505 (M33), mps3-an547 (M55);
        rp2040 is for memory planning only
  device import RECORD --model M --scheme S --out FILE.ttw [--resolution R] [--classes N]
        the parameters an exported firmware trained, read back from its output (its weights record) into the model
  device --port PATH|tcp:HOST:PORT --dataset D --model M --scheme S [--epochs E] [--train N] [--eval N] [--seed n] [--baud B] [--out FILE.ttw]
        streams the training images to a board running the firmware built with -DTT_LINK, prints its loss and accuracy;
        --eval N: the board's predictions of N held-out images before and after, beside the TypeScript runtime's
  analyze --model M --dataset D [--workers W] [--budget 256KB] [--evaluations N] [--train N] [--val N] [--test N] [--epochs E]
        [--lr X] [--head-lr X] [--seed n] [--seeds 3] [--finalists 3] [--baselines 3] [--bias-ks 2,4,8] [--convs all|20,21]
        [--ratios 1/8,1/4,1/2,1] [--weight-base-k K]
        contribution analysis by fine-tuning (over worker threads, each run over --seeds training seeds), the gain table
        with its spread, the scheme search under the budget, then the search's top schemes and up to --baselines
        baselines (the best by estimate, then those within its spread or with a partial estimate) trained whole and
        compared on held-out test images

M is a zoo model (mcunet-5fps, mbv2-w0.35, proxyless-w0.3), tinytrain-demo, or a model file (.pkl, an int8 .tflite, .ttw).
S is a built-in scheme (<model>@<label> such as mcunet-5fps@99kb, bias-only, head-only, last-<k>, full)
or a scheme file (JSON).
With --json the only thing on stdout is one JSON document.`;

const VERBS: Record<string, (argv: string[]) => void | Promise<void>> = { info, plan, export: exportProject, train, grad, analyze, device };

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    out(USAGE);
    return verb ? 0 : 2;
  }
  const run = Object.hasOwn(VERBS, verb) ? VERBS[verb] : undefined;
  if (!run) {
    err(`tinytrain: unknown verb "${term(verb)}"; the verbs are ${Object.keys(VERBS).join(', ')}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    out(USAGE);
    return 0;
  }
  try {
    await run(rest);
    return 0;
  } catch (e) {
    const error = e as Error;
    const message = term(String(error?.message ?? e));
    // A refusal is for the user; anything else is a bug in tinytrain, said so.
    err(isInputError(e) || e instanceof CommandFailure ? `tinytrain ${verb}: ${message}` : `tinytrain ${verb}: internal error (a bug in tinytrain; TINYTRAIN_DEBUG=1 shows where): ${message}`);
    if (process.env.TINYTRAIN_DEBUG) err(String(error?.stack));
    return e instanceof UsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
