/**
 * tt_uart.c / tt_uart.h: the serial link's UART driver (-DTT_LINK; the link itself is c-link.ts), one
 * register-level driver per UART family, chosen by the target's `uart` entry (engine/targets.ts: the
 * instance, its base address, its input clock). Each family's register layout is here once, with the
 * manual it comes from. What differs between boards of one family (clock gates, pin multiplexing) is
 * the weak hook tt_uart_board_init(), whose comment says what the target's board needs; define
 * tt_uart_board_init in a file of your own and the linker takes yours. Without TT_LINK the file
 * compiles to nothing.
 *
 * The interface c-link.ts calls: tt_uart_init() (TT_LINK_BAUD, 115,200 by default), tt_uart_get()
 * (one byte, waiting), tt_uart_put(bytes, n), tt_uart_flush() (until the last byte has left: before a
 * reset).
 */
import type { LinkUart, UartFamily } from '../targets.ts';
import { hex } from './c-target.ts';

interface Driver {
  /** Where the register layout comes from. */
  source: string;
  /** The C of tt_uart_init, tt_uart_get, tt_uart_put and tt_uart_flush (and any statics they need). */
  body: string;
}

const DRIVERS: Record<UartFamily, Driver> = {
  cmsdk: {
    source: 'Arm CMSDK APB UART (Cortex-M System Design Kit TRM, DDI 0479): DATA 0x000, STATE 0x004 (bit 0 TX buffer full, bit 1 RX buffer full), CTRL 0x008 (bit 0 TX enable, bit 1 RX enable), BAUDDIV 0x010 (PCLK / baud, at least 16)',
    body: `void tt_uart_init(void) {
  tt_uart_board_init();
  UART_REG(0x010) = TT_UART_CLOCK_HZ / TT_LINK_BAUD;
  UART_REG(0x008) = 3u;
}
uint8_t tt_uart_get(void) {
  while (!(UART_REG(0x004) & 2u)) {
  }
  return (uint8_t)UART_REG(0x000);
}
void tt_uart_put(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    while (UART_REG(0x004) & 1u) {
    }
    UART_REG(0x000) = p[i];
  }
}
void tt_uart_flush(void) {
  while (UART_REG(0x004) & 1u) {
  }
}`,
  },
  'stm32-sr': {
    source: 'STM32F4 USART, the classic layout (RM0383 STM32F411, RM0402 STM32F412, "USART registers"): SR 0x00 (RXNE bit 5, TC bit 6, TXE bit 7), DR 0x04, BRR 0x08 (fck / baud with 16x oversampling), CR1 0x0C (RE bit 2, TE bit 3, UE bit 13); reading SR then DR also clears an overrun',
    body: `void tt_uart_init(void) {
  tt_uart_board_init();
  UART_REG(0x0c) = 0u;
  UART_REG(0x08) = (TT_UART_CLOCK_HZ + TT_LINK_BAUD / 2u) / TT_LINK_BAUD;
  UART_REG(0x0c) = (1u << 13) | (1u << 3) | (1u << 2);
}
uint8_t tt_uart_get(void) {
  while (!(UART_REG(0x00) & (1u << 5))) {
  }
  return (uint8_t)UART_REG(0x04);
}
void tt_uart_put(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    while (!(UART_REG(0x00) & (1u << 7))) {
    }
    UART_REG(0x04) = p[i];
  }
}
void tt_uart_flush(void) {
  while (!(UART_REG(0x00) & (1u << 6))) {
  }
}`,
  },
  'stm32-isr': {
    source: 'STM32F7 / STM32H7 USART (RM0385 STM32F746, RM0433 STM32H743, "USART registers"): CR1 0x00 (UE bit 0, RE bit 2, TE bit 3), BRR 0x0C (fck / baud with 16x oversampling), ISR 0x1C (ORE bit 3, RXNE bit 5, TC bit 6, TXE bit 7), ICR 0x20 (ORECF bit 3), RDR 0x24, TDR 0x28; an overrun stops reception until ORECF is written',
    body: `void tt_uart_init(void) {
  tt_uart_board_init();
  UART_REG(0x00) = 0u;
  UART_REG(0x0c) = (TT_UART_CLOCK_HZ + TT_LINK_BAUD / 2u) / TT_LINK_BAUD;
  UART_REG(0x00) = (1u << 3) | (1u << 2) | 1u;
}
uint8_t tt_uart_get(void) {
  for (;;) {
    const uint32_t isr = UART_REG(0x1c);
    if (isr & (1u << 5)) return (uint8_t)UART_REG(0x24);
    if (isr & (1u << 3)) UART_REG(0x20) = 1u << 3;
  }
}
void tt_uart_put(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    while (!(UART_REG(0x1c) & (1u << 7))) {
    }
    UART_REG(0x28) = p[i];
  }
}
void tt_uart_flush(void) {
  while (!(UART_REG(0x1c) & (1u << 6))) {
  }
}`,
  },
  'nrf-uarte': {
    source: 'nRF52840 UARTE, the UART with EasyDMA (Nordic nRF52840 Product Specification, "UARTE"): TASKS_STARTRX 0x000, TASKS_STARTTX 0x008, EVENTS_ENDRX 0x110, EVENTS_ENDTX 0x120, SHORTS 0x200 (ENDRX_STARTRX bit 5), ENABLE 0x500 (8: enabled), PSEL.TXD 0x50C, PSEL.RXD 0x514 (pin | port << 5), BAUDRATE 0x524 (0x01D7E000 for 115,200, 0x0F000000 for 921,600), RXD.PTR 0x534, RXD.MAXCNT 0x538, TXD.PTR 0x544, TXD.MAXCNT 0x548, CONFIG 0x56C (0: 8N1, no flow control); EasyDMA reads and writes RAM only, so bytes are sent from a RAM buffer',
    body: `static volatile uint8_t uarte_rx;
static uint8_t uarte_tx[64];
static uint32_t uarte_baudrate(uint32_t baud) {
  if (baud == 115200u) return 0x01d7e000u;
  if (baud == 921600u) return 0x0f000000u;
  return (uint32_t)((((uint64_t)baud << 32) / 16000000u + 0x800u) & 0xfffff000u);
}
void tt_uart_init(void) {
  tt_uart_board_init();
  UART_REG(0x50c) = TT_UART_TX_PIN;
  UART_REG(0x514) = TT_UART_RX_PIN;
  UART_REG(0x524) = uarte_baudrate(TT_LINK_BAUD);
  UART_REG(0x56c) = 0u;
  UART_REG(0x500) = 8u;
  /* One byte per reception, restarted by the hardware (ENDRX_STARTRX): armed from here on. */
  UART_REG(0x534) = (uint32_t)(uintptr_t)&uarte_rx;
  UART_REG(0x538) = 1u;
  UART_REG(0x200) = 1u << 5;
  UART_REG(0x110) = 0u;
  UART_REG(0x000) = 1u;
}
uint8_t tt_uart_get(void) {
  while (!UART_REG(0x110)) {
  }
  UART_REG(0x110) = 0u;
  return uarte_rx;
}
void tt_uart_put(const uint8_t *p, uint32_t n) {
  while (n) {
    const uint32_t k = n < sizeof uarte_tx ? n : (uint32_t)sizeof uarte_tx;
    for (uint32_t i = 0; i < k; i++) uarte_tx[i] = p[i];
    UART_REG(0x120) = 0u;
    UART_REG(0x544) = (uint32_t)(uintptr_t)uarte_tx;
    UART_REG(0x548) = k;
    UART_REG(0x008) = 1u;
    while (!UART_REG(0x120)) {
    }
    p += k;
    n -= k;
  }
}
void tt_uart_flush(void) {
  /* tt_uart_put returns after ENDTX: every byte has gone out. */
}`,
  },
  pl011: {
    source: 'Arm PrimeCell UART PL011 (PL011 TRM DDI 0183; RP2350 datasheet, "UART"): UARTDR 0x000, UARTFR 0x018 (BUSY bit 3, RXFE bit 4, TXFF bit 5), UARTIBRD 0x024 and UARTFBRD 0x028 (UARTCLK / (16 x baud) in 16.6 fixed point; written before UARTLCR_H, which latches them), UARTLCR_H 0x02C (FEN bit 4, WLEN bits 5-6: 3 is 8 bits), UARTCR 0x030 (UARTEN bit 0, TXE bit 8, RXE bit 9)',
    body: `void tt_uart_init(void) {
  tt_uart_board_init();
  const uint32_t div = (uint32_t)((8u * (uint64_t)TT_UART_CLOCK_HZ / TT_LINK_BAUD + 1u) / 2u); /* 64 x UARTCLK / (16 x baud), rounded */
  UART_REG(0x030) = 0u;
  UART_REG(0x024) = div >> 6;
  UART_REG(0x028) = div & 63u;
  UART_REG(0x02c) = (3u << 5) | (1u << 4);
  UART_REG(0x030) = (1u << 9) | (1u << 8) | 1u;
}
uint8_t tt_uart_get(void) {
  while (UART_REG(0x018) & (1u << 4)) {
  }
  return (uint8_t)UART_REG(0x000);
}
void tt_uart_put(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    while (UART_REG(0x018) & (1u << 5)) {
    }
    UART_REG(0x000) = p[i];
  }
}
void tt_uart_flush(void) {
  while (UART_REG(0x018) & (1u << 3)) {
  }
}`,
  },
  'dw-16550': {
    source: 'Synopsys DesignWare DW_apb_uart, 16550-compatible with 32-bit register spacing (Alif Ensemble E3 Hardware Reference Manual, "UART"): RBR / THR / DLL 0x00, DLH 0x04, FCR 0x08 (FIFO enable and reset: 0x07), LCR 0x0C (DLAB bit 7; 0x03: 8N1), LSR 0x14 (DR bit 0, THRE bit 5, TEMT bit 6); divisor = clock / (16 x baud)',
    body: `void tt_uart_init(void) {
  tt_uart_board_init();
  const uint32_t div = (TT_UART_CLOCK_HZ + 8u * TT_LINK_BAUD) / (16u * TT_LINK_BAUD);
  UART_REG(0x0c) = 0x83u;
  UART_REG(0x00) = div & 0xffu;
  UART_REG(0x04) = (div >> 8) & 0xffu;
  UART_REG(0x0c) = 0x03u;
  UART_REG(0x08) = 0x07u;
}
uint8_t tt_uart_get(void) {
  while (!(UART_REG(0x14) & 1u)) {
  }
  return (uint8_t)UART_REG(0x00);
}
void tt_uart_put(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    while (!(UART_REG(0x14) & (1u << 5))) {
    }
    UART_REG(0x00) = p[i];
  }
}
void tt_uart_flush(void) {
  while (!(UART_REG(0x14) & (1u << 6))) {
  }
}`,
  },
};

export const UART_HEADER = `/* tt_uart.h (generated by TinyTrain Studio): the serial link's UART (-DTT_LINK). */
#ifndef TT_UART_H
#define TT_UART_H
#include <stdint.h>
/* Clocks and pins of the UART on this board (weak: define your own to replace it). */
void tt_uart_board_init(void);
/* TT_LINK_BAUD, 8N1, no flow control. */
void tt_uart_init(void);
/* The next byte received (waits for it). */
uint8_t tt_uart_get(void);
void tt_uart_put(const uint8_t *p, uint32_t n);
/* Returns once the last byte has left the UART. */
void tt_uart_flush(void);
#endif
`;

/** tt_uart.c for the target's link UART. */
export function uartSource(uart: LinkUart): string {
  const d = DRIVERS[uart.family];
  const pins = uart.pins ? `#ifndef TT_UART_TX_PIN
#define TT_UART_TX_PIN ${uart.pins.tx}u /* ${uart.pins.text} */
#endif
#ifndef TT_UART_RX_PIN
#define TT_UART_RX_PIN ${uart.pins.rx}u
#endif
` : '';
  return `/* tt_uart.c (generated by TinyTrain Studio): the serial link's UART, ${uart.name}.
 * Registers: ${d.source}. */
#ifdef TT_LINK
#include <stdint.h>
#include "tt_uart.h"

#ifndef TT_UART_BASE
#define TT_UART_BASE ${hex(uart.base)}u /* ${uart.name} */
#endif
#ifndef TT_UART_CLOCK_HZ
#define TT_UART_CLOCK_HZ ${uart.clockHz}u /* ${uart.clockText} */
#endif
#ifndef TT_LINK_BAUD
#define TT_LINK_BAUD 115200u
#endif
${pins}#define UART_REG(o) (*(volatile uint32_t *)(TT_UART_BASE + (o)))

/* ${uart.boardInit} */
__attribute__((weak)) void tt_uart_board_init(void) {
}

${d.body}
#endif
`;
}
