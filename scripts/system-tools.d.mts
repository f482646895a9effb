// Types for scripts/system-tools.mjs (plain JS so that Node runs it with no build step).
export interface SystemTool {
  /** Debian package that provides it. */
  pkg: string;
  /** Command that must be on PATH. */
  bin?: string;
  /** Absolute paths that must exist. */
  files?: string[];
}
export declare const SYSTEM_TOOLS: Record<
  'chromium' | 'arm-none-eabi-gcc' | 'newlib' | 'arm-none-eabi-size' | 'qemu-system-arm' | 'gcc' | 'libc6-dev' | 'fashion-mnist'
  | 'pyarmnn' | 'armnn-cpuref' | 'armnn-tflite-parser' | 'cmake' | 'clang' | 'lld',
  SystemTool
>;
export type SystemToolName = keyof typeof SYSTEM_TOOLS;
export declare const FASHION_MNIST_DIR: string;
export declare function which(cmd: string): string | null;
export declare function findTool(name: SystemToolName): string | null;
export declare function isCI(): boolean;
