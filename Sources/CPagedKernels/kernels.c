// AVX2 + F16C + FMA versions of the PagedAttention inner loops (see include/CPagedKernels.h).
// Each function carries its own target attribute, so the file builds for the x86-64 baseline and
// nothing here runs unless pk_avx2_f16c_fma_available() said so. Other architectures get stubs that
// are never called (the check returns 0 there).

#include "CPagedKernels.h"

void pk_prefetch(const void *p, long bytes) {
    const char *c = (const char *)p;
    for (long i = 0; i < bytes; i += 64) __builtin_prefetch(c + i, 0, 2);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))

#include <cpuid.h>
#include <immintrin.h>

#define PK_TARGET __attribute__((target("avx2,f16c,fma")))

int pk_avx2_f16c_fma_available(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int fma = (c >> 12) & 1, osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!(fma && osxsave && avx && f16c)) return 0;
    // The OS must save XMM and YMM state (XCR0 bits 1 and 2).
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 6) != 6) return 0;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return (b >> 5) & 1;  // AVX2
}

/// Horizontal sums of eight vectors: lane i of the result is the sum of a[i]'s eight lanes.
PK_TARGET static inline __m256 sum8x8(__m256 a0, __m256 a1, __m256 a2, __m256 a3, __m256 a4, __m256 a5,
                                       __m256 a6, __m256 a7) {
    __m256 h0 = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    __m256 h1 = _mm256_hadd_ps(_mm256_hadd_ps(a4, a5), _mm256_hadd_ps(a6, a7));
    return _mm256_add_ps(_mm256_permute2f128_ps(h0, h1, 0x20), _mm256_permute2f128_ps(h0, h1, 0x31));
}

PK_TARGET static inline float sum8(__m256 a) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Stores the first n (1...8) lanes of v.
PK_TARGET static inline void store_first(float *dst, __m256 v, long n) {
    if (n >= 8) { _mm256_storeu_ps(dst, v); return; }
    float tmp[8];
    _mm256_storeu_ps(tmp, v);
    for (long i = 0; i < n; i++) dst[i] = tmp[i];
}

// x = 8 for both 16-bit types: chunk c of one token is eight elements (16 bytes), widened by WIDEN8.
// Eight tokens per pass, eight accumulators in registers (the one-sweep form used for float, with
// accumulators in L1, measured slower here: twice the accumulator traffic per key byte).
#define PK_DOT_KEYS_16(WIDEN8)                                                                          \
    const long chunks = headSize / 8, rowStride = blockSize * 8;                                        \
    for (long t0 = 0; t0 < tokens; t0 += 8) {                                                           \
        __m256 a[8];                                                                                    \
        for (int i = 0; i < 8; i++) a[i] = _mm256_setzero_ps();                                         \
        const uint16_t *k = keys + t0 * 8;                                                              \
        for (long c = 0; c < chunks; c++, k += rowStride) {                                             \
            __m256 q = _mm256_loadu_ps(query + c * 8);                                                  \
            for (int i = 0; i < 8; i++) a[i] = _mm256_fmadd_ps(q, WIDEN8(k + i * 8), a[i]);             \
        }                                                                                               \
        store_first(logits + t0, sum8x8(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]), tokens - t0);  \
    }

PK_TARGET void pk_dot_keys_f32(const float *query, const float *keys, long headSize, long blockSize, long tokens,
                               float *logits) {
    // x = 4: one 256-bit load holds chunk c of two consecutive tokens; the query chunk is broadcast to
    // both halves. One sweep in address order: chunk c of every used token (a run of blockSize * 16
    // bytes), then chunk c + 1, with one accumulator per token pair kept in L1 (measured slightly
    // faster for float than eight tokens per pass in registers, which reads the block in
    // blockSize / 8 strided sweeps). Groups past `tokens` stay inside the block and are dropped.
    const long chunks = headSize / 4, rowStride = blockSize * 4, pairs = ((tokens + 7) & ~7L) / 2;
    const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
    __m256 acc[64];
    for (long p = 0; p < pairs; p++) acc[p] = _mm256_setzero_ps();
    const float *k = keys;
    for (long c = 0; c < chunks; c++, k += rowStride) {
        const __m256 q = _mm256_broadcast_ps((const __m128 *)(query + c * 4));
        for (long p = 0; p < pairs; p += 4) {
            acc[p] = _mm256_fmadd_ps(q, _mm256_loadu_ps(k + p * 8), acc[p]);
            acc[p + 1] = _mm256_fmadd_ps(q, _mm256_loadu_ps(k + p * 8 + 8), acc[p + 1]);
            acc[p + 2] = _mm256_fmadd_ps(q, _mm256_loadu_ps(k + p * 8 + 16), acc[p + 2]);
            acc[p + 3] = _mm256_fmadd_ps(q, _mm256_loadu_ps(k + p * 8 + 24), acc[p + 3]);
        }
    }
    for (long t0 = 0; t0 < tokens; t0 += 8) {
        const __m256 *a = acc + t0 / 2;
        __m256 s = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
        store_first(logits + t0, _mm256_permutevar8x32_ps(s, order), tokens - t0);
    }
}

/// Eight halves to floats: one vcvtph2ps (F16C).
#define PK_LOAD_F16(p) _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p)))
/// Eight bfloat16 to floats: a bfloat16 is the top half of a float, so zero-extend and shift by 16.
#define PK_LOAD_BF16(p) \
    _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 16))

PK_TARGET void pk_dot_keys_f16(const float *query, const uint16_t *keys, long headSize, long blockSize, long tokens,
                               float *logits) {
    PK_DOT_KEYS_16(PK_LOAD_F16)
}

PK_TARGET void pk_dot_keys_bf16(const float *query, const uint16_t *keys, long headSize, long blockSize, long tokens,
                                float *logits) {
    PK_DOT_KEYS_16(PK_LOAD_BF16)
}

#define PK_ACC_VALUE_BLOCK(LOAD)                                                                        \
    const __m256 p0 = _mm256_loadu_ps(probs);                                                           \
    switch (blockSize) {                                                                                \
    case 8:                                                                                             \
        for (long d = 0; d < headSize; d++) {                                                           \
            __m256 s = _mm256_fmadd_ps(p0, LOAD(values + d * 8), _mm256_loadu_ps(partial + d * 8));     \
            _mm256_storeu_ps(partial + d * 8, s);                                                       \
        }                                                                                               \
        break;                                                                                          \
    case 16: {                                                                                          \
        const __m256 p1 = _mm256_loadu_ps(probs + 8);                                                   \
        for (long d = 0; d < headSize; d++) {                                                           \
            __m256 s = _mm256_fmadd_ps(p0, LOAD(values + d * 16), _mm256_loadu_ps(partial + d * 8));    \
            s = _mm256_fmadd_ps(p1, LOAD(values + d * 16 + 8), s);                                      \
            _mm256_storeu_ps(partial + d * 8, s);                                                       \
        }                                                                                               \
        break;                                                                                          \
    }                                                                                                   \
    case 32: {                                                                                          \
        const __m256 p1 = _mm256_loadu_ps(probs + 8), p2 = _mm256_loadu_ps(probs + 16),                 \
                     p3 = _mm256_loadu_ps(probs + 24);                                                  \
        for (long d = 0; d < headSize; d++) {                                                           \
            const long r = d * blockSize;                                                               \
            __m256 s = _mm256_fmadd_ps(p0, LOAD(values + r), _mm256_loadu_ps(partial + d * 8));        \
            __m256 u = _mm256_mul_ps(p1, LOAD(values + r + 8));                                         \
            s = _mm256_fmadd_ps(p2, LOAD(values + r + 16), s);                                          \
            u = _mm256_fmadd_ps(p3, LOAD(values + r + 24), u);                                          \
            _mm256_storeu_ps(partial + d * 8, _mm256_add_ps(s, u));                                     \
        }                                                                                               \
        break;                                                                                          \
    }                                                                                                   \
    default: /* a multiple of 32 (64, 128): four chains over the row, probabilities from L1 */          \
        for (long d = 0; d < headSize; d++) {                                                           \
            const long r = d * blockSize;                                                               \
            __m256 s = _mm256_loadu_ps(partial + d * 8), u = _mm256_setzero_ps(), w = u, z = u;         \
            for (long g = 0; g < blockSize; g += 32) {                                                  \
                s = _mm256_fmadd_ps(_mm256_loadu_ps(probs + g), LOAD(values + r + g), s);               \
                u = _mm256_fmadd_ps(_mm256_loadu_ps(probs + g + 8), LOAD(values + r + g + 8), u);       \
                w = _mm256_fmadd_ps(_mm256_loadu_ps(probs + g + 16), LOAD(values + r + g + 16), w);     \
                z = _mm256_fmadd_ps(_mm256_loadu_ps(probs + g + 24), LOAD(values + r + g + 24), z);     \
            }                                                                                           \
            _mm256_storeu_ps(partial + d * 8, _mm256_add_ps(_mm256_add_ps(s, u), _mm256_add_ps(w, z))); \
        }                                                                                               \
    }

#define PK_LOAD_F32(p) _mm256_loadu_ps(p)

PK_TARGET void pk_acc_value_block_f32(const float *probs, const float *values, long headSize, long blockSize,
                                      float *partial) {
    PK_ACC_VALUE_BLOCK(PK_LOAD_F32)
}

PK_TARGET void pk_acc_value_block_f16(const float *probs, const uint16_t *values, long headSize, long blockSize,
                                      float *partial) {
    PK_ACC_VALUE_BLOCK(PK_LOAD_F16)
}

PK_TARGET void pk_acc_value_block_bf16(const float *probs, const uint16_t *values, long headSize, long blockSize,
                                       float *partial) {
    PK_ACC_VALUE_BLOCK(PK_LOAD_BF16)
}

#define PK_DOT_ROWS(LOAD)                                                                               \
    for (long t = 0; t < tokens; t++, rows += headSize) {                                               \
        __m256 a0 = _mm256_setzero_ps(), a1 = a0;                                                       \
        long i = 0;                                                                                     \
        for (; i + 16 <= headSize; i += 16) {                                                           \
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(query + i), LOAD(rows + i), a0);                       \
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(query + i + 8), LOAD(rows + i + 8), a1);               \
        }                                                                                               \
        if (i < headSize) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(query + i), LOAD(rows + i), a0);         \
        logits[t] = sum8(_mm256_add_ps(a0, a1));                                                        \
    }

PK_TARGET void pk_dot_rows_f32(const float *query, const float *rows, long tokens, long headSize, float *logits) {
    PK_DOT_ROWS(PK_LOAD_F32)
}

PK_TARGET void pk_dot_rows_f16(const float *query, const uint16_t *rows, long tokens, long headSize, float *logits) {
    PK_DOT_ROWS(PK_LOAD_F16)
}

PK_TARGET void pk_dot_rows_bf16(const float *query, const uint16_t *rows, long tokens, long headSize, float *logits) {
    PK_DOT_ROWS(PK_LOAD_BF16)
}

// Four rows per read-modify-write of the accumulator, then single rows.
#define PK_ACC_ROWS(LOAD)                                                                               \
    long t = 0;                                                                                         \
    for (; t + 4 <= tokens; t += 4, rows += 4 * headSize) {                                             \
        const __m256 q0 = _mm256_set1_ps(probs[t]), q1 = _mm256_set1_ps(probs[t + 1]),                  \
                     q2 = _mm256_set1_ps(probs[t + 2]), q3 = _mm256_set1_ps(probs[t + 3]);              \
        for (long i = 0; i < headSize; i += 8) {                                                        \
            __m256 s = _mm256_fmadd_ps(q0, LOAD(rows + i), _mm256_loadu_ps(acc + i));                   \
            __m256 u = _mm256_mul_ps(q1, LOAD(rows + headSize + i));                                    \
            s = _mm256_fmadd_ps(q2, LOAD(rows + 2 * headSize + i), s);                                  \
            u = _mm256_fmadd_ps(q3, LOAD(rows + 3 * headSize + i), u);                                  \
            _mm256_storeu_ps(acc + i, _mm256_add_ps(s, u));                                             \
        }                                                                                               \
    }                                                                                                   \
    for (; t < tokens; t++, rows += headSize) {                                                         \
        const __m256 q0 = _mm256_set1_ps(probs[t]);                                                     \
        for (long i = 0; i < headSize; i += 8)                                                          \
            _mm256_storeu_ps(acc + i, _mm256_fmadd_ps(q0, LOAD(rows + i), _mm256_loadu_ps(acc + i)));   \
    }

PK_TARGET void pk_acc_rows_f32(const float *probs, const float *rows, long tokens, long headSize, float *acc) {
    PK_ACC_ROWS(PK_LOAD_F32)
}

PK_TARGET void pk_acc_rows_f16(const float *probs, const uint16_t *rows, long tokens, long headSize, float *acc) {
    PK_ACC_ROWS(PK_LOAD_F16)
}

PK_TARGET void pk_acc_rows_bf16(const float *probs, const uint16_t *rows, long tokens, long headSize, float *acc) {
    PK_ACC_ROWS(PK_LOAD_BF16)
}

/// exp(v) for v <= 0 (arguments below -87.3 give ~1e-38): v = n ln2 + r with |r| <= ln2/2, a degree-7
/// polynomial for e^r (the classic Cephes expf coefficients, within 2 ulp of expf), times 2^n built
/// in the exponent bits.
PK_TARGET static inline __m256 exp_nonpositive(__m256 v) {
    v = _mm256_max_ps(v, _mm256_set1_ps(-87.3f));
    __m256 n = _mm256_round_ps(_mm256_mul_ps(v, _mm256_set1_ps(1.44269504088896341f)),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), v);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

PK_TARGET float pk_softmax_f32(float *logits, long count, float maxLogit) {
    const __m256 m = _mm256_set1_ps(maxLogit);
    __m256 acc = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 e = exp_nonpositive(_mm256_sub_ps(_mm256_loadu_ps(logits + i), m));
        _mm256_storeu_ps(logits + i, e);
        acc = _mm256_add_ps(acc, e);
    }
    float sum = sum8(acc);
    if (i < count) {
        float tmp[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (long j = i; j < count; j++) tmp[j - i] = logits[j] - maxLogit;
        __m256 e = exp_nonpositive(_mm256_loadu_ps(tmp));
        _mm256_storeu_ps(tmp, e);
        for (long j = i; j < count; j++) { logits[j] = tmp[j - i]; sum += tmp[j - i]; }
    }
    const __m256 inv = _mm256_set1_ps(1.0f / (sum + 1e-6f));
    for (i = 0; i + 8 <= count; i += 8) _mm256_storeu_ps(logits + i, _mm256_mul_ps(_mm256_loadu_ps(logits + i), inv));
    for (; i < count; i++) logits[i] *= 1.0f / (sum + 1e-6f);
    return sum;
}

int pk_avx512bf16_available(void) {
    if (!pk_avx2_f16c_fma_available()) return 0;
    unsigned a, b, c, d, lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    if ((lo & 0xe6) != 0xe6) return 0;  // the OS saves opmask and ZMM state too
    __cpuid_count(7, 0, a, b, c, d);
    int avx512f = (b >> 16) & 1, avx512bw = (b >> 30) & 1, avx512vl = (b >> 31) & 1;
    if (!(avx512f && avx512bw && avx512vl)) return 0;
    __cpuid_count(7, 1, a, b, c, d);
    return (a >> 5) & 1;  // AVX512_BF16
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
void pk_round_bf16_avx512(const float *src, uint16_t *dst, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(src + i));
        _mm256_storeu_si256((__m256i *)(dst + i), (__m256i)h);
    }
    if (i < count) {
        __mmask16 m = (__mmask16)((1u << (count - i)) - 1);
        __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + i));
        _mm256_mask_storeu_epi16(dst + i, m, (__m256i)h);
    }
}

#else

int pk_avx2_f16c_fma_available(void) { return 0; }
int pk_avx512bf16_available(void) { return 0; }
float pk_softmax_f32(float *l, long n, float m) { (void)l; (void)n; (void)m; return 0; }
void pk_round_bf16_avx512(const float *s, uint16_t *d, long n) { (void)s; (void)d; (void)n; }
void pk_dot_keys_bf16(const float *q, const uint16_t *k, long h, long b, long t, float *l) { (void)q; (void)k; (void)h; (void)b; (void)t; (void)l; }
void pk_acc_value_block_bf16(const float *p, const uint16_t *v, long h, long b, float *o) { (void)p; (void)v; (void)h; (void)b; (void)o; }
void pk_dot_rows_bf16(const float *q, const uint16_t *r, long t, long h, float *l) { (void)q; (void)r; (void)t; (void)h; (void)l; }
void pk_acc_rows_bf16(const float *p, const uint16_t *r, long t, long h, float *a) { (void)p; (void)r; (void)t; (void)h; (void)a; }
void pk_dot_keys_f32(const float *q, const float *k, long h, long b, long t, float *l) { (void)q; (void)k; (void)h; (void)b; (void)t; (void)l; }
void pk_dot_keys_f16(const float *q, const uint16_t *k, long h, long b, long t, float *l) { (void)q; (void)k; (void)h; (void)b; (void)t; (void)l; }
void pk_acc_value_block_f32(const float *p, const float *v, long h, long b, float *o) { (void)p; (void)v; (void)h; (void)b; (void)o; }
void pk_acc_value_block_f16(const float *p, const uint16_t *v, long h, long b, float *o) { (void)p; (void)v; (void)h; (void)b; (void)o; }
void pk_dot_rows_f32(const float *q, const float *r, long t, long h, float *l) { (void)q; (void)r; (void)t; (void)h; (void)l; }
void pk_dot_rows_f16(const float *q, const uint16_t *r, long t, long h, float *l) { (void)q; (void)r; (void)t; (void)h; (void)l; }
void pk_acc_rows_f32(const float *p, const float *r, long t, long h, float *a) { (void)p; (void)r; (void)t; (void)h; (void)a; }
void pk_acc_rows_f16(const float *p, const uint16_t *r, long t, long h, float *a) { (void)p; (void)r; (void)t; (void)h; (void)a; }

#endif
