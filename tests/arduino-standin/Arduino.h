/* Arduino.h: A STAND-IN FOR TESTS ONLY, not the Arduino core's header. tests/arduino-library.test.ts
 * compiles the exported Arduino library and its example sketch here, where no Arduino core is
 * installed; this declares just the core API they use (Serial, micros, millis, delay), with the
 * signatures of the Arduino language reference, so the compiler checks every call. Nothing links. */
#ifndef TT_ARDUINO_STANDIN_H
#define TT_ARDUINO_STANDIN_H
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
class TtStandinSerial {
 public:
  void begin(unsigned long baud);
  size_t print(const char *s);
  size_t print(unsigned long n);
  size_t print(double x, int digits);
  size_t println(const char *s);
  size_t println(unsigned long n);
  explicit operator bool() const;
};
extern TtStandinSerial Serial;

unsigned long micros(void);
unsigned long millis(void);
void delay(unsigned long ms);
#endif
#endif
