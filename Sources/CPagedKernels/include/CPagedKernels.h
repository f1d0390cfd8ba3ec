// Inner loops of the PagedAttention reference compiled for AVX2 + F16C + FMA, chosen at run time.
//
// Every function except pk_avx2_f16c_fma_available executes AVX2/F16C/FMA instructions: call them only
// after pk_avx2_f16c_fma_available() returned 1 (the PagedAttention module checks once and otherwise
// runs its portable Swift loops). Float16 data is passed as its raw IEEE half bit patterns (uint16_t).
// Layouts and semantics are those of the Swift protocol KVCacheElement (KVCacheElement.swift).

#ifndef CPAGEDKERNELS_H
#define CPAGEDKERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Asks the caches to fetch `bytes` starting at p (one hint per 64-byte line, into L2). Runs on any
/// CPU: it is the compiler's generic prefetch builtin, outside the AVX2 code.
void pk_prefetch(const void *p, long bytes);

/// 1 when the CPU and the OS support AVX2, F16C and FMA (CPUID plus the OS's saved YMM state), else 0.
int pk_avx2_f16c_fma_available(void);

/// q·k for the first `tokens` keys of one block of one KV head, key layout [headSize/4][blockSize][4].
void pk_dot_keys_f32(const float *query, const float *keys, long headSize, long blockSize, long tokens,
                     float *logits);
/// Same for half keys, layout [headSize/8][blockSize][8].
void pk_dot_keys_f16(const float *query, const uint16_t *keys, long headSize, long blockSize, long tokens,
                     float *logits);

/// partial[d*8 + t%8] += probs[t] * values[d*blockSize + t] for all t < blockSize, d < headSize;
/// blockSize is 8, 16 or a multiple of 32.
void pk_acc_value_block_f32(const float *probs, const float *values, long headSize, long blockSize, float *partial);
/// Same for half values.
void pk_acc_value_block_f16(const float *probs, const uint16_t *values, long headSize, long blockSize,
                            float *partial);

/// logits[t] = query · rows[t*headSize ..< (t+1)*headSize] for t < tokens.
void pk_dot_rows_f32(const float *query, const float *rows, long tokens, long headSize, float *logits);
/// Same for half rows.
void pk_dot_rows_f16(const float *query, const uint16_t *rows, long tokens, long headSize, float *logits);

/// acc[d] += sum over t < tokens of probs[t] * rows[t*headSize + d].
void pk_acc_rows_f32(const float *probs, const float *rows, long tokens, long headSize, float *acc);
/// Same for half rows.
void pk_acc_rows_f16(const float *probs, const uint16_t *rows, long tokens, long headSize, float *acc);

/// bfloat16 versions (raw bit patterns): widened by a 16-bit shift, no special instruction needed.
void pk_dot_keys_bf16(const float *query, const uint16_t *keys, long headSize, long blockSize, long tokens,
                      float *logits);
void pk_acc_value_block_bf16(const float *probs, const uint16_t *values, long headSize, long blockSize,
                             float *partial);
void pk_dot_rows_bf16(const float *query, const uint16_t *rows, long tokens, long headSize, float *logits);
void pk_acc_rows_bf16(const float *probs, const uint16_t *rows, long tokens, long headSize, float *acc);

/// Softmax in place, as PagedAttention.softmaxInPlace: logits[i] = exp(logits[i] - maxLogit) (a
/// polynomial exp within 2 ulp of expf, for arguments <= 0), then times 1 / (sum + 1e-6); returns the
/// exp sum.
float pk_softmax_f32(float *logits, long count, float maxLogit);

/// 1 when the CPU and the OS support AVX-512 F/BW/VL and AVX512_BF16 (plus everything above), else 0.
int pk_avx512bf16_available(void);
/// dst[i] = src[i] rounded to bfloat16 (nearest even; NaN stays NaN) with vcvtneps2bf16. Only after
/// pk_avx512bf16_available() returned 1.
void pk_round_bf16_avx512(const float *src, uint16_t *dst, long count);

#ifdef __cplusplus
}
#endif

#endif
