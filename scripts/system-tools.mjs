// The system tools the tests and the exported firmware need, and the Debian package that provides
// each. Shared by scripts/ensure-system-tools.mjs (installs them) and tests/require-tool.ts (checks
// them in a test). No dependencies; checks only the file system, so it is fast.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** name -> { pkg: Debian package, bin?: command on PATH, files?: absolute paths that must exist } */
export const SYSTEM_TOOLS = {
  chromium: { pkg: 'chromium', files: ['/usr/bin/chromium'] },
  'arm-none-eabi-gcc': { pkg: 'gcc-arm-none-eabi', bin: 'arm-none-eabi-gcc' },
  newlib: {
    pkg: 'libnewlib-arm-none-eabi',
    files: ['/usr/lib/arm-none-eabi/newlib/libc.a', '/usr/include/newlib/stdio.h'],
  },
  'arm-none-eabi-size': { pkg: 'binutils-arm-none-eabi', bin: 'arm-none-eabi-size' },
  'qemu-system-arm': { pkg: 'qemu-system-arm', bin: 'qemu-system-arm' },
  gcc: { pkg: 'gcc', bin: 'gcc' },
  // The browser's kernels are the C library built for WebAssembly (scripts/build-wasm.mjs): clang 14
  // compiles csrc/ for wasm32, lld's wasm-ld links it; a test checks the committed binary is that build.
  clang: { pkg: 'clang', bin: 'clang' },
  lld: { pkg: 'lld', bin: 'wasm-ld' },
  // The exported projects carry a CMakeLists.txt beside their Makefile; a test builds it.
  cmake: { pkg: 'cmake', bin: 'cmake' },
  'libc6-dev': { pkg: 'libc6-dev', files: ['/usr/include/stdio.h'] },
  // Arm NN (its TFLite parser and reference CPU backend) from Python: the independent interpreter
  // that checks the project's int8 TFLite forward (scripts/armnn-run.py, run with /usr/bin/python3).
  pyarmnn: { pkg: 'python3-pyarmnn', files: ['/usr/bin/python3', '/usr/lib/python3/dist-packages/pyarmnn/__init__.py'] },
  'armnn-cpuref': { pkg: 'libarmnn-cpuref-backend22', files: ['/usr/lib/x86_64-linux-gnu/armnn22/Arm_CpuRef_backend.so'] },
  'armnn-tflite-parser': { pkg: 'libarmnntfliteparser22', files: ['/usr/lib/x86_64-linux-gnu/libarmnnTfLiteParser.so.22'] },
  'fashion-mnist': {
    pkg: 'dataset-fashion-mnist',
    files: [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ].map((f) => join(FASHION_MNIST_DIR, f)),
  },
};

export { FASHION_MNIST_DIR };

function accessible(path, mode) {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of an executable on PATH, or null. */
export function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && accessible(join(dir, cmd), constants.X_OK)) return join(dir, cmd);
  }
  return null;
}

/** Where the tool was found (its command path or its first file), or null if any part is missing. */
export function findTool(name) {
  const tool = SYSTEM_TOOLS[name];
  if (!tool) throw new Error(`Unknown system tool "${name}"; known: ${Object.keys(SYSTEM_TOOLS).join(', ')}.`);
  let where = null;
  if (tool.bin) {
    where = which(tool.bin);
    if (!where) return null;
  }
  for (const f of tool.files ?? []) {
    if (!accessible(f, constants.R_OK)) return null;
    where ??= f;
  }
  return where;
}

/** True when the CI environment variable is set (and not "false"/"0"). */
export function isCI() {
  const ci = process.env.CI;
  return !!ci && ci !== 'false' && ci !== '0';
}
