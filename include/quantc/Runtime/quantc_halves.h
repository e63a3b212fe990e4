/* f32 -> f16 for the GPU launches' activations: the host converts every
 * GPU layer's x before its upload, so this runs over every activation that
 * crosses to the device. */
#ifndef QUANTC_RUNTIME_QUANTC_HALVES_H
#define QUANTC_RUNTIME_QUANTC_HALVES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* to[i] = the f16 bits of from[i], round to nearest even, saturating at
 * +-65504 (an f16 infinity would poison every sum it meets), NaN as
 * 0x7e00. Eight at a time with F16C where the CPU has it, bit for bit the
 * same as one at a time. */
void quantc_halves_from_floats(const float *from, uint16_t *to, int64_t count);

#ifdef __cplusplus
}
#endif

#endif /* QUANTC_RUNTIME_QUANTC_HALVES_H */
