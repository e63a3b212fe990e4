/* f32 -> f16 for the GPU launches (quantc_halves.h). */
#include "quantc/Runtime/quantc_halves.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

static uint16_t half_of(float value) {
  if (value != value)
    return 0x7e00;
  if (value > 65504.0f)
    value = 65504.0f;
  if (value < -65504.0f)
    value = -65504.0f;
  uint32_t bits;
  memcpy(&bits, &value, 4);
  uint16_t sign = (uint16_t)((bits >> 16) & 0x8000);
  float magnitude = fabsf(value);
  if (magnitude < 6.103515625e-05f) { /* subnormal: a multiple of 2^-24 */
    float units = nearbyintf(magnitude * 16777216.0f);
    return (uint16_t)(sign | (uint16_t)units);
  }
  uint32_t abs_bits = bits & 0x7fffffffu;
  uint32_t mantissa = abs_bits & 0x1fffu; /* the 13 bits dropped */
  uint32_t rounded = abs_bits >> 13;
  if (mantissa > 0x1000u || (mantissa == 0x1000u && (rounded & 1u)))
    ++rounded;
  return (uint16_t)(sign | (uint16_t)(rounded - ((127 - 15) << 10)));
}

#if defined(__x86_64__)
/* F16C with AVX state enabled by the OS. Asked once; the launches that
 * call this hold the GPU lock, and a racing second answer is the same. */
static int has_f16c(void) {
  static int known = -1;
  if (known < 0) {
    unsigned a, b, c, d;
    int usable = 0;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) && (c & bit_AVX) && (c & bit_OSXSAVE)) {
      unsigned low, high;
      __asm__("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
      usable = (low & 6u) == 6u; /* XMM and YMM state */
    }
    known = usable;
  }
  return known;
}

/* vcvtps2ph rounds to nearest even like half_of; the clamp comes first
 * (min and max keep a NaN, which their second operand is), and NaN lanes
 * become 0x7e00 after it, whatever their payload. */
__attribute__((target("avx,f16c"))) static int64_t halves_f16c(const float *from, uint16_t *to,
                                                               int64_t count) {
  const __m256 high = _mm256_set1_ps(65504.0f), low = _mm256_set1_ps(-65504.0f);
  const __m128i nan = _mm_set1_epi16(0x7e00);
  int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    __m256 v = _mm256_loadu_ps(from + i);
    __m256 clamped = _mm256_max_ps(low, _mm256_min_ps(high, v));
    __m128i halves = _mm256_cvtps_ph(clamped, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 unordered = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    __m128i mask = _mm_packs_epi32(_mm256_castsi256_si128(_mm256_castps_si256(unordered)),
                                   _mm256_extractf128_si256(_mm256_castps_si256(unordered), 1));
    _mm_storeu_si128((__m128i *)(to + i), _mm_blendv_epi8(halves, nan, mask));
  }
  return i;
}
#endif

void quantc_halves_from_floats(const float *from, uint16_t *to, int64_t count) {
  int64_t done = 0;
#if defined(__x86_64__)
  if (has_f16c())
    done = halves_f16c(from, to, count);
#endif
  for (int64_t i = done; i < count; ++i)
    to[i] = half_of(from[i]);
}
