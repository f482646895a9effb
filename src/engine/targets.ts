/**
 * The microcontroller targets: one table that the memory panel, the CLI and the firmware export all
 * read. Each entry is a chip's core and memory map; `build` says whether the C export can build a
 * project for it (its linker regions, its startup and platform layer). A target without `build` is a
 * memory-planning target: its budgets are real, but the export refuses it in one sentence until its
 * board is added (startup, linker script and platform layer for that core and memory map).
 */
const KB = 1024;

export type Core = 'cortex-m7' | 'cortex-m4' | 'cortex-m33' | 'cortex-m55' | 'cortex-m0plus';

/** How people name the cores. */
export const CORE_NAMES: Record<Core, string> = {
  'cortex-m7': 'Cortex-M7', 'cortex-m4': 'Cortex-M4F', 'cortex-m33': 'Cortex-M33', 'cortex-m55': 'Cortex-M55', 'cortex-m0plus': 'Cortex-M0+',
};

/** A CMSDK APB timer counting down from 0xFFFFFFFF: its register base and clock. */
export interface TickTimer {
  base: number;
  hz: number;
  /** What the README and the firmware call one tick. */
  unit: string;
}

export interface TargetBuild {
  /** Where the linker puts code and constants, and RAM. */
  flashOrigin: number;
  ramOrigin: number;
  /**
   * The RAM region the linker script gives: 'budget' limits it to the training budget (a program that
   * does not fit fails to link, naming the region); 'chip' gives the chip's whole SRAM.
   */
  ramRegion: 'budget' | 'chip';
  /** The platform layer linked in (output, exit, tick counter, board hooks). */
  platform: 'semihost' | 'stm32f746';
  /** gcc's -mcpu/-mfpu/-mfloat-abi for the core. */
  cflags: string;
  /** Where the core fetches its vector table at reset, when that is not the start of Flash (a linker region of its own). */
  vectors?: { origin: number; bytes: number };
  /** The QEMU machine that runs the firmware (`qemu-system-arm -M`), for the emulated boards. */
  qemuMachine?: string;
  /** The tick counter of the semihosting platform. */
  timer?: TickTimer;
}

export interface ChipTarget {
  id: string;
  label: string;
  core: Core;
  /** The chip's SRAM and Flash. */
  sramBytes: number;
  flashBytes: number;
  /** SRAM the training step may use by default (the rest is for the application, drivers, buffers). */
  trainBudget: number;
  /** null: planning only (the export cannot build for it yet). */
  build: TargetBuild | null;
}

const M7_CFLAGS = '-mcpu=cortex-m7 -mthumb -mfpu=fpv5-d16 -mfloat-abi=hard';
const M4F_CFLAGS = '-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard';

export const CHIP_TARGETS: readonly ChipTarget[] = [
  {
    id: 'stm32f746', label: 'STM32F746 (Cortex-M7)', core: 'cortex-m7', sramBytes: 320 * KB, flashBytes: 1024 * KB, trainBudget: 256 * KB,
    build: { flashOrigin: 0x08000000, ramOrigin: 0x20000000, ramRegion: 'budget', platform: 'stm32f746', cflags: M7_CFLAGS },
  },
  // QEMU's boards, one per Cortex-M class the firmware is verified on (QEMU 7.2, hw/arm/mps2.c and
  // mps2-tz.c). The TrustZone boards (an505, an547) start in the secure state, so code and data use
  // the secure aliases (address bit 28 set); the AN547's SSE-300 has no 25 MHz CMSDK timer, its
  // 32 kHz S32K timer counts. SRAM and Flash here are the regions the linker script gives.
  {
    id: 'mps2-an386', label: 'MPS2 AN386 (Cortex-M4F, QEMU)', core: 'cortex-m4', sramBytes: 4096 * KB, flashBytes: 4096 * KB, trainBudget: 256 * KB,
    build: {
      flashOrigin: 0x00000000, ramOrigin: 0x20000000, ramRegion: 'chip', platform: 'semihost', cflags: M4F_CFLAGS,
      qemuMachine: 'mps2-an386', timer: { base: 0x40000000, hz: 25_000_000, unit: 'timer ticks (25 MHz)' },
    },
  },
  {
    id: 'mps2-an500', label: 'MPS2 AN500 (Cortex-M7, QEMU)', core: 'cortex-m7', sramBytes: 4096 * KB, flashBytes: 4096 * KB, trainBudget: 256 * KB,
    build: {
      flashOrigin: 0x00000000, ramOrigin: 0x20000000, ramRegion: 'chip', platform: 'semihost', cflags: M7_CFLAGS,
      qemuMachine: 'mps2-an500', timer: { base: 0x40000000, hz: 25_000_000, unit: 'timer ticks (25 MHz)' },
    },
  },
  {
    // ZBT SSRAM1 (code) and SSRAM2 (data).
    id: 'mps2-an505', label: 'MPS2 AN505 (Cortex-M33, QEMU)', core: 'cortex-m33', sramBytes: 2048 * KB, flashBytes: 4096 * KB, trainBudget: 256 * KB,
    build: {
      flashOrigin: 0x10000000, ramOrigin: 0x38000000, ramRegion: 'chip', platform: 'semihost', cflags: '-mcpu=cortex-m33 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard',
      qemuMachine: 'mps2-an505', timer: { base: 0x50000000, hz: 20_000_000, unit: 'timer ticks (20 MHz)' },
    },
  },
  {
    // The core boots from the ITCM (its vector table there); code and parameters in the 2 MB SRAM,
    // data in the 512 KB DTCM.
    id: 'mps3-an547', label: 'MPS3 AN547 (Cortex-M55, QEMU)', core: 'cortex-m55', sramBytes: 512 * KB, flashBytes: 2048 * KB, trainBudget: 256 * KB,
    build: {
      flashOrigin: 0x11000000, ramOrigin: 0x30000000, ramRegion: 'chip', platform: 'semihost', cflags: '-mcpu=cortex-m55 -mthumb -mfloat-abi=hard',
      vectors: { origin: 0x10000000, bytes: 512 * KB }, qemuMachine: 'mps3-an547', timer: { base: 0x5802f000, hz: 32_768, unit: 'S32K timer ticks (32.768 kHz)' },
    },
  },
  { id: 'stm32f412', label: 'STM32F412 (Cortex-M4)', core: 'cortex-m4', sramBytes: 256 * KB, flashBytes: 1024 * KB, trainBudget: 192 * KB, build: null },
  { id: 'stm32h743', label: 'STM32H743 (Cortex-M7)', core: 'cortex-m7', sramBytes: 1024 * KB, flashBytes: 2048 * KB, trainBudget: 512 * KB, build: null },
  { id: 'nrf52840', label: 'nRF52840 (Cortex-M4)', core: 'cortex-m4', sramBytes: 256 * KB, flashBytes: 1024 * KB, trainBudget: 192 * KB, build: null },
  { id: 'rp2040', label: 'RP2040 (Cortex-M0+)', core: 'cortex-m0plus', sramBytes: 264 * KB, flashBytes: 2048 * KB, trainBudget: 200 * KB, build: null },
];

export function chipTarget(id: string): ChipTarget | undefined {
  return CHIP_TARGETS.find((t) => t.id === id);
}

/** Ids of the targets the export builds for. */
export const BUILD_TARGETS: string[] = CHIP_TARGETS.filter((t) => t.build).map((t) => t.id);

/** Why the export cannot build for `id` (one sentence), or null when it can. */
export function exportRefusal(id: string): string | null {
  const t = chipTarget(id);
  const labels = CHIP_TARGETS.filter((c) => c.build).map((c) => c.label);
  const builds = `${labels.slice(0, -1).join(', ')} and ${labels[labels.length - 1]}`;
  if (!t) return `export: unknown target "${id}"; the export builds for ${builds}.`;
  if (!t.build) return `export: ${t.label} is a memory-planning target; the export cannot build for it yet (it builds for ${builds}).`;
  return null;
}
