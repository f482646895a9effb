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

/** A real board's layer: the marked hooks the user fills (weak functions in platform_<id>.c). */
export interface BoardHooks {
  /** What the clock hook should set up on this board. */
  clock: string;
  /** Which UART (or USB serial) the output hook should write to on this board. */
  output: string;
  /** The core's DWT needs its lock access register written before CYCCNT counts (the Cortex-M7). */
  dwtUnlock: boolean;
}

/** The register layouts the link's UART drivers know (codegen/c-uart.ts: one driver each). */
export type UartFamily = 'cmsdk' | 'stm32-sr' | 'stm32-isr' | 'nrf-uarte' | 'pl011' | 'dw-16550';

/** The UART the serial link (-DTT_LINK, docs/serial-protocol.md) talks over on this target. */
export interface LinkUart {
  family: UartFamily;
  /** Which instance, and where it goes on the board. */
  name: string;
  /** Its register base (the secure alias on QEMU's TrustZone boards, whose firmware runs secure). */
  base: number;
  /** Its input clock once the board's clock hook has run (the baud divisor's numerator), and why. */
  clockHz: number;
  clockText: string;
  /** What tt_uart_board_init (weak) must do on this board: clock gates, pin functions. */
  boardInit: string;
  /** The pins the driver selects itself (the nRF's PSEL registers): pin | port << 5. */
  pins?: { tx: number; rx: number; text: string };
  /** QEMU: the index of the -serial option that reaches this UART. */
  qemuSerial?: number;
}

export interface TargetBuild {
  /** Where the linker puts code and constants, and RAM. */
  flashOrigin: number;
  ramOrigin: number;
  /**
   * The bytes of Flash the image may use from flashOrigin (default the chip's Flash): less when a
   * bootloader holds the start (the Nano 33 BLE's).
   */
  flashRegionBytes?: number;
  /**
   * The contiguous SRAM block at ramOrigin that holds .data, .bss and the stack, when the chip's SRAM
   * is not one block (the STM32H743's AXI SRAM): its size and name. The training budget cannot exceed it.
   */
  ramBlock?: { bytes: number; name: string };
  /**
   * The RAM region the linker script gives: 'budget' limits it to the training budget (a program that
   * does not fit fails to link, naming the region); 'chip' gives the chip's whole SRAM.
   */
  ramRegion: 'budget' | 'chip';
  /** The platform layer linked in: semihosting (QEMU) or a board's (DWT cycle counter, marked hooks). */
  platform: 'semihost' | 'board';
  /** The board's hooks (platform 'board'). */
  board?: BoardHooks;
  /** The RP2350's boot ROM starts only an image with an IMAGE_DEF block in its first 4 KB. */
  bootBlock?: 'rp2350-image-def';
  /** gcc's -mcpu/-mfpu/-mfloat-abi for the core. */
  cflags: string;
  /** Where the core fetches its vector table at reset, when that is not the start of Flash (a linker region of its own). */
  vectors?: { origin: number; bytes: number };
  /** The QEMU machine that runs the firmware (`qemu-system-arm -M`), for the emulated boards. */
  qemuMachine?: string;
  /** The tick counter of the semihosting platform. */
  timer?: TickTimer;
  /** The serial link's UART. */
  uart: LinkUart;
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
const M33_CFLAGS = '-mcpu=cortex-m33 -mthumb -mfpu=fpv5-sp-d16 -mfloat-abi=hard';
/** gcc's cortex-m55 has MVE (integer and float, __ARM_FEATURE_MVE 3) and the FPU by default: the Helium paths build. */
const M55_CFLAGS = '-mcpu=cortex-m55 -mthumb -mfloat-abi=hard';

export const CHIP_TARGETS: readonly ChipTarget[] = [
  {
    id: 'stm32f746', label: 'STM32F746 (Cortex-M7)', core: 'cortex-m7', sramBytes: 320 * KB, flashBytes: 1024 * KB, trainBudget: 256 * KB,
    build: {
      flashOrigin: 0x08000000, ramOrigin: 0x20000000, ramRegion: 'budget', platform: 'board', cflags: M7_CFLAGS,
      board: { clock: '216 MHz from the HSE and the PLL (RCC), flash wait states, the caches (SCB_EnableICache / SCB_EnableDCache)', output: 'USART1 on PA9/PA10, the ST-LINK virtual COM port of the STM32F746G-DISCO', dwtUnlock: true },
      // RM0385 memory map: USART1 at 0x40011000 on APB2.
      uart: {
        family: 'stm32-isr', name: 'USART1 (PA9 TX, PA10 RX: the ST-LINK virtual COM port of the STM32F746G-DISCO)', base: 0x40011000,
        clockHz: 108_000_000, clockText: 'APB2 at 216 MHz / 2, as the clock hook sets it',
        boardInit: 'STM32F746G-DISCO: enable the GPIOA and USART1 clocks (RCC_AHB1ENR.GPIOAEN, RCC_APB2ENR.USART1EN) and put PA9 and PA10 in alternate function 7 (GPIOA MODER, AFRH).',
      },
    },
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
      uart: { family: 'cmsdk', name: 'UART0 (QEMU: the first -serial)', base: 0x40004000, clockHz: 25_000_000, clockText: 'the 25 MHz peripheral clock (QEMU does not model the rate)', boardInit: 'nothing: QEMU\'s board has no clock gates or pin multiplexing', qemuSerial: 0 },
    },
  },
  {
    id: 'mps2-an500', label: 'MPS2 AN500 (Cortex-M7, QEMU)', core: 'cortex-m7', sramBytes: 4096 * KB, flashBytes: 4096 * KB, trainBudget: 256 * KB,
    build: {
      flashOrigin: 0x00000000, ramOrigin: 0x20000000, ramRegion: 'chip', platform: 'semihost', cflags: M7_CFLAGS,
      qemuMachine: 'mps2-an500', timer: { base: 0x40000000, hz: 25_000_000, unit: 'timer ticks (25 MHz)' },
      uart: { family: 'cmsdk', name: 'UART0 (QEMU: the first -serial)', base: 0x40004000, clockHz: 25_000_000, clockText: 'the 25 MHz peripheral clock (QEMU does not model the rate)', boardInit: 'nothing: QEMU\'s board has no clock gates or pin multiplexing', qemuSerial: 0 },
    },
  },
  {
    // ZBT SSRAM1 (code) and SSRAM2 (data).
    id: 'mps2-an505', label: 'MPS2 AN505 (Cortex-M33, QEMU)', core: 'cortex-m33', sramBytes: 2048 * KB, flashBytes: 4096 * KB, trainBudget: 256 * KB,
    build: {
      flashOrigin: 0x10000000, ramOrigin: 0x38000000, ramRegion: 'chip', platform: 'semihost', cflags: M33_CFLAGS,
      qemuMachine: 'mps2-an505', timer: { base: 0x50000000, hz: 20_000_000, unit: 'timer ticks (20 MHz)' },
      // AN505's UART0 at 0x40200000 (0x50200000 secure).
      uart: { family: 'cmsdk', name: 'UART0 (QEMU: the first -serial)', base: 0x50200000, clockHz: 20_000_000, clockText: 'the 20 MHz peripheral clock (QEMU does not model the rate)', boardInit: 'nothing: QEMU\'s board has no clock gates or pin multiplexing', qemuSerial: 0 },
    },
  },
  {
    // The core boots from the ITCM (its vector table there); code and parameters in the 2 MB SRAM,
    // data in the 512 KB DTCM.
    id: 'mps3-an547', label: 'MPS3 AN547 (Cortex-M55, QEMU)', core: 'cortex-m55', sramBytes: 512 * KB, flashBytes: 2048 * KB, trainBudget: 256 * KB,
    build: {
      flashOrigin: 0x11000000, ramOrigin: 0x30000000, ramRegion: 'chip', platform: 'semihost', cflags: M55_CFLAGS,
      vectors: { origin: 0x10000000, bytes: 512 * KB }, qemuMachine: 'mps3-an547', timer: { base: 0x5802f000, hz: 32_768, unit: 'S32K timer ticks (32.768 kHz)' },
      // AN547's UART0 at 0x49303000 (0x59303000 secure).
      uart: { family: 'cmsdk', name: 'UART0 (QEMU: the first -serial)', base: 0x59303000, clockHz: 25_000_000, clockText: 'the 25 MHz peripheral clock (QEMU does not model the rate)', boardInit: 'nothing: QEMU\'s board has no clock gates or pin multiplexing', qemuSerial: 0 },
    },
  },
  // The boards. Memory maps from the makers' public reference manuals and datasheets, as cited.
  {
    // STM32H743 (RM0433, memory map): 2 MB Flash at 0x08000000; SRAM in blocks: DTCM 128 KB at
    // 0x20000000, AXI SRAM 512 KB at 0x24000000, SRAM1-3 (288 KB) at 0x30000000, SRAM4 64 KB at
    // 0x38000000. The training step (arena, trained parameters, stack) goes in the AXI SRAM, the
    // largest block, so its budget is at most 512 KB; DTCM and the D2/D3 SRAMs stay free for the
    // application and its DMA buffers.
    id: 'stm32h743', label: 'STM32H743 (Cortex-M7)', core: 'cortex-m7', sramBytes: 1024 * KB, flashBytes: 2048 * KB, trainBudget: 512 * KB,
    build: {
      flashOrigin: 0x08000000, ramOrigin: 0x24000000, ramRegion: 'budget', ramBlock: { bytes: 512 * KB, name: 'AXI SRAM' }, platform: 'board', cflags: M7_CFLAGS,
      board: { clock: '480 MHz (VOS0) from the HSE and PLL1 (RCC, PWR), flash wait states, the caches (SCB_EnableICache / SCB_EnableDCache)', output: 'USART3 on PD8/PD9, the ST-LINK virtual COM port of the NUCLEO-H743ZI', dwtUnlock: true },
      // RM0433 memory map: USART3 at 0x40004800 on APB1 (D2); its default kernel clock is pclk1.
      uart: {
        family: 'stm32-isr', name: 'USART3 (PD8 TX, PD9 RX: the ST-LINK virtual COM port of the NUCLEO-H743ZI)', base: 0x40004800,
        clockHz: 120_000_000, clockText: 'pclk1: 480 MHz / 2 (HPRE) / 2 (D2PPRE1), as the clock hook sets it',
        boardInit: 'NUCLEO-H743ZI: enable the GPIOD and USART3 clocks (RCC_AHB4ENR.GPIODEN, RCC_APB1LENR.USART3EN) and put PD8 and PD9 in alternate function 7 (GPIOD MODER, AFRH).',
      },
    },
  },
  {
    // nRF52840 (Nordic product specification, memory map): 1 MB Flash at 0x00000000, 256 KB RAM at
    // 0x20000000, 64 MHz. On the Arduino Nano 33 BLE (Sense) the bootloader holds the first 64 KB: the
    // Arduino mbed core links sketches at 0x10000, and so does this export (the Arduino library
    // layout is the other way to build it).
    id: 'nrf52840', label: 'nRF52840 / Arduino Nano 33 BLE Sense (Cortex-M4F)', core: 'cortex-m4', sramBytes: 256 * KB, flashBytes: 1024 * KB, trainBudget: 192 * KB,
    build: {
      flashOrigin: 0x00010000, flashRegionBytes: 1024 * KB - 0x10000, ramOrigin: 0x20000000, ramRegion: 'budget', platform: 'board', cflags: M4F_CFLAGS,
      board: { clock: '64 MHz core clock; start the HFXO (CLOCK->TASKS_HFCLKSTART) for an accurate UART', output: 'UARTE0 (pins of your board), or USB CDC through the Arduino core (the Arduino library layout)', dwtUnlock: false },
      // nRF52840 PS memory map: UARTE0 at 0x40002000.
      uart: {
        family: 'nrf-uarte', name: 'UARTE0', base: 0x40002000, clockHz: 16_000_000, clockText: 'the 16 MHz peripheral clock the BAUDRATE values are for',
        pins: { tx: 35, rx: 42, text: 'P1.03 TX and P1.10 RX: the Nano 33 BLE\'s TX and RX pins (pin | port << 5)' },
        boardInit: 'nothing beyond the pins the driver selects (TT_UART_TX_PIN, TT_UART_RX_PIN); the clock hook starts the HFXO for an accurate rate.',
      },
    },
  },
  {
    // STM32F411 (RM0383): 512 KB Flash at 0x08000000, 128 KB SRAM at 0x20000000, 100 MHz.
    id: 'stm32f411', label: 'STM32F411 (Cortex-M4F)', core: 'cortex-m4', sramBytes: 128 * KB, flashBytes: 512 * KB, trainBudget: 112 * KB,
    build: {
      flashOrigin: 0x08000000, ramOrigin: 0x20000000, ramRegion: 'budget', platform: 'board', cflags: M4F_CFLAGS,
      board: { clock: '100 MHz from the HSI or HSE and the PLL (RCC), flash wait states', output: 'USART2 on PA2/PA3, the ST-LINK virtual COM port of the NUCLEO-F411RE', dwtUnlock: false },
      // RM0383 memory map: USART2 at 0x40004400 on APB1.
      uart: {
        family: 'stm32-sr', name: 'USART2 (PA2 TX, PA3 RX: the ST-LINK virtual COM port of the NUCLEO-F411RE)', base: 0x40004400,
        clockHz: 50_000_000, clockText: 'APB1 at 100 MHz / 2, as the clock hook sets it',
        boardInit: 'NUCLEO-F411RE: enable the GPIOA and USART2 clocks (RCC_AHB1ENR.GPIOAEN, RCC_APB1ENR.USART2EN) and put PA2 and PA3 in alternate function 7 (GPIOA MODER, AFRL).',
      },
    },
  },
  {
    // STM32F412 (RM0402): 1 MB Flash at 0x08000000, 256 KB SRAM at 0x20000000, 100 MHz.
    id: 'stm32f412', label: 'STM32F412 (Cortex-M4F)', core: 'cortex-m4', sramBytes: 256 * KB, flashBytes: 1024 * KB, trainBudget: 192 * KB,
    build: {
      flashOrigin: 0x08000000, ramOrigin: 0x20000000, ramRegion: 'budget', platform: 'board', cflags: M4F_CFLAGS,
      board: { clock: '100 MHz from the HSE and the PLL (RCC), flash wait states', output: 'USART3 on PD8/PD9, the ST-LINK virtual COM port of the NUCLEO-F412ZG (a Nucleo-144 board)', dwtUnlock: false },
      // RM0402 memory map: USART3 at 0x40004800 on APB1. The Nucleo-144 boards (UM1974) wire the
      // ST-LINK's virtual COM port to USART3 on PD8/PD9, not USART2 as the 64-pin Nucleos do.
      uart: {
        family: 'stm32-sr', name: 'USART3 (PD8 TX, PD9 RX: the ST-LINK virtual COM port of the NUCLEO-F412ZG)', base: 0x40004800,
        clockHz: 50_000_000, clockText: 'APB1 at 100 MHz / 2, as the clock hook sets it',
        boardInit: 'NUCLEO-F412ZG: enable the GPIOD and USART3 clocks (RCC_AHB1ENR.GPIODEN, RCC_APB1ENR.USART3EN) and put PD8 and PD9 in alternate function 7 (GPIOD MODER, AFRH).',
      },
    },
  },
  {
    // RP2350 (RP2350 datasheet, address map and 5.9.5 "Minimum viable image metadata"): flash XIP at
    // 0x10000000 (4 MB on the Pico 2), 520 KB SRAM at 0x20000000 (SRAM0-9, one address range), the
    // Cortex-M33 cores with the single-precision FPU and DSP. The boot ROM runs a flash image only
    // with an IMAGE_DEF block in its first 4 KB; no boot2 stage is needed.
    id: 'rp2350', label: 'RP2350 / Raspberry Pi Pico 2 (Cortex-M33)', core: 'cortex-m33', sramBytes: 520 * KB, flashBytes: 4096 * KB, trainBudget: 384 * KB,
    build: {
      flashOrigin: 0x10000000, ramOrigin: 0x20000000, ramRegion: 'budget', platform: 'board', cflags: M33_CFLAGS, bootBlock: 'rp2350-image-def',
      board: { clock: '150 MHz from the XOSC and PLL_SYS (the boot ROM leaves the core on the ring oscillator)', output: 'UART0 on GP0/GP1 (the Pico 2\'s default pins)', dwtUnlock: false },
      // RP2350 datasheet address map: UART0 at 0x40070000, a PL011.
      uart: {
        family: 'pl011', name: 'UART0 (GP0 TX, GP1 RX: the Pico 2\'s default pins)', base: 0x40070000,
        clockHz: 150_000_000, clockText: 'clk_peri from clk_sys at 150 MHz, as the clock hook sets it',
        boardInit: 'take UART0, IO_BANK0 and PADS_BANK0 out of reset (RESETS), give GP0 and GP1 function 2, UART (IO_BANK0 GPIO0_CTRL, GPIO1_CTRL), and clear their pads\' isolation (PADS_BANK0).',
      },
    },
  },
  {
    // Alif Ensemble E3, its M55-HE core (Alif's Ensemble CMSIS device pack: M55_HE_map.h and the
    // regions headers): MRAM (non-volatile) at 0x80000000, 5.5 MB, of which an application slot of
    // 1 MB (app_map.h's default for each core); the HE core's DTCM 256 KB at 0x20000000 (its ITCM
    // 256 KB at 0; the global SRAM0 4 MB at 0x02000000 and SRAM1 at 0x08000000 stay free). The
    // training step runs from the DTCM. Cortex-M55 with Helium (MVE) and the FPU, 160 MHz.
    id: 'alif-e3-he', label: 'Alif Ensemble E3 M55-HE (Cortex-M55)', core: 'cortex-m55', sramBytes: 256 * KB, flashBytes: 1024 * KB, trainBudget: 224 * KB,
    build: {
      flashOrigin: 0x80000000, ramOrigin: 0x20000000, ramRegion: 'budget', platform: 'board', cflags: M55_CFLAGS,
      board: { clock: '160 MHz for the HE core (the Secure Enclave\'s clock settings, or the CGU and its PLL); the caches (SCB_EnableICache / SCB_EnableDCache)', output: 'UART2 or UART4 of the DevKit (the pins in its ATOC / pinmux), or your board\'s', dwtUnlock: false },
      // Alif's Ensemble device pack (global_map.h): UART0-7 at 0x49018000 + 0x1000 n; UART4 at 0x4901C000.
      uart: {
        family: 'dw-16550', name: 'UART4 (the DevKit\'s; TT_UART_BASE 0x4901A000 for UART2)', base: 0x4901c000,
        clockHz: 100_000_000, clockText: 'the UART\'s clock as your clock settings give it (100 MHz assumed: set TT_UART_CLOCK_HZ to yours)',
        boardInit: 'enable the UART\'s clock (CLKCTL_PER_SLV) and put its TX and RX pins in their UART function (PINMUX), unless the Secure Enclave\'s settings (ATOC) already do.',
      },
    },
  },
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
