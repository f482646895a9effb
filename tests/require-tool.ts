// For tests that need a system tool: `it.skipIf(!requireTool('qemu-system-arm'))(...)`.
// True if the tool is present. If it is absent: throws when CI is set (in CI such a test fails,
// never skips), returns false otherwise so the caller can skip.
import { SYSTEM_TOOLS, findTool, isCI, type SystemToolName } from '../scripts/system-tools.mjs';

export type { SystemToolName };

export function requireTool(name: SystemToolName): boolean {
  if (findTool(name)) return true;
  if (isCI()) {
    const { pkg } = SYSTEM_TOOLS[name];
    throw new Error(
      `${name} is not installed; install the Debian package "${pkg}" (apt-get install -y ${pkg}) ` +
        'or run `node scripts/ensure-system-tools.mjs` as root.',
    );
  }
  return false;
}
