// Marginalia's CUDA / torch prelude: just enough of the CUDA runtime, the CUDA half/bfloat16/fp8
// headers, c10/ATen/torch and pybind11 for libclang to type-check vLLM's C++/CUDA sources on a
// machine without a CUDA toolkit or a torch installation. Passed to every translation unit with
// `-include` (precompiled once per run). Written for indexing only: declarations, no behaviour.
//
// Helper names live in `marginalia_detail`; the indexer drops calls into that namespace.
// Registration blocks (TORCH_LIBRARY*, STABLE_TORCH_LIBRARY*, PYBIND11_MODULE) expand to a static
// function whose name carries the block kind, the namespace and the dispatch key:
//   <KIND>_init__<namespace>[__<dispatch key>]__uid<counter>
// which is how the indexer reads the expanded namespace back.
#pragma once

// ---------------------------------------------------------------------------------------------
// Versions and CUDA keywords (before any standard header, as the CUDA runtime wrapper does).
#ifndef __CUDACC__
#define __CUDACC__ 1
#endif
#define __NVCC__ 1
#define __CUDACC_VER_MAJOR__ 12
#define __CUDACC_VER_MINOR__ 8
#define __CUDACC_VER_BUILD__ 0
#define CUDA_VERSION 12080
#define CUDART_VERSION 12080
#define __CUDA_API_VERSION 12080

#define __host__ __attribute__((host))
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __managed__ __attribute__((managed))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __align__(n) __attribute__((aligned(n)))
#define __grid_constant__
#define __cluster_dims__(...)
#define CUDART_INF_F __builtin_huge_valf()
#define CUDART_NAN_F __builtin_nanf("")
#define CUDART_PI_F 3.141592654f
#define CUDART_INF __builtin_huge_val()

#ifdef __CUDA__
#include <__clang_cuda_builtin_vars.h>
#endif

// Standard headers. The numeric ones are made host+device the way clang's CUDA runtime wrapper
// does for <cmath> (so device code may call std::max, sqrtf, std::numeric_limits, ...).
#include <new>
#include <exception>
#include <typeinfo>
#include <stdexcept>
#include <system_error>
#ifdef __CUDA__
#pragma clang force_cuda_host_device begin
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <cmath>
#include <cstdint>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <climits>
#include <cfloat>
#include <type_traits>
#include <limits>
#include <initializer_list>
#include <stdio.h>
#include <assert.h>
#include <cstdio>
#include <cassert>
#include <algorithm>
#include <array>
#include <tuple>
#include <utility>
#include <atomic>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>
#ifdef __CUDA__
#pragma clang force_cuda_host_device end
#endif

#define MARGINALIA_HD __host__ __device__
#define MARGINALIA_D __device__

// Vector types. The builtin-vars header only forward-declares uint3 and dim3.
struct uint3 { unsigned x, y, z; };
struct dim3 {
  unsigned x, y, z;
  MARGINALIA_HD constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
  MARGINALIA_HD constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  MARGINALIA_HD constexpr operator uint3() const { return uint3{x, y, z}; }
};
struct __attribute__((aligned(sizeof(signed char) * 2))) char2 { signed char x, y; };
struct __attribute__((aligned(sizeof(signed char) * 4))) char4 { signed char x, y, z, w; };
struct __attribute__((aligned(sizeof(unsigned char) * 2))) uchar2 { unsigned char x, y; };
struct __attribute__((aligned(sizeof(unsigned char) * 4))) uchar4 { unsigned char x, y, z, w; };
struct __attribute__((aligned(sizeof(short) * 2))) short2 { short x, y; };
struct __attribute__((aligned(sizeof(short) * 4))) short4 { short x, y, z, w; };
struct __attribute__((aligned(sizeof(unsigned short) * 2))) ushort2 { unsigned short x, y; };
struct __attribute__((aligned(sizeof(unsigned short) * 4))) ushort4 { unsigned short x, y, z, w; };
struct __attribute__((aligned(sizeof(int) * 2))) int2 { int x, y; };
struct int3 { int x, y, z; };
struct __attribute__((aligned(sizeof(int) * 4))) int4 { int x, y, z, w; };
struct __attribute__((aligned(sizeof(unsigned) * 2))) uint2 { unsigned x, y; };
struct __attribute__((aligned(sizeof(unsigned) * 4))) uint4 { unsigned x, y, z, w; };
struct float1 { float x; };
struct __attribute__((aligned(sizeof(float) * 2))) float2 { float x, y; };
struct float3 { float x, y, z; };
struct __attribute__((aligned(sizeof(float) * 4))) float4 { float x, y, z, w; };
struct __attribute__((aligned(sizeof(double) * 2))) double2 { double x, y; };
struct __attribute__((aligned(16))) double4 { double x, y, z, w; };
struct __attribute__((aligned(sizeof(long) * 2))) long2 { long x, y; };
struct __attribute__((aligned(16))) long4 { long x, y, z, w; };
struct __attribute__((aligned(sizeof(unsigned long) * 2))) ulong2 { unsigned long x, y; };
struct __attribute__((aligned(sizeof(long long) * 2))) longlong2 { long long x, y; };
struct __attribute__((aligned(16))) longlong4 { long long x, y, z, w; };
struct __attribute__((aligned(sizeof(unsigned long long) * 2))) ulonglong2 { unsigned long long x, y; };
struct __attribute__((aligned(16))) ulonglong4 { unsigned long long x, y, z, w; };
typedef unsigned char uchar1;
#ifndef __CUDA__
// Plain C++ (host files parsed as C++17): the built-in variables as ordinary declarations.
extern const uint3 threadIdx, blockIdx;
extern const dim3 blockDim, gridDim;
extern const int warpSize;
#endif

// ---------------------------------------------------------------------------------------------
// CUDA runtime types and API.
typedef struct CUstream_st* cudaStream_t;
typedef struct CUevent_st* cudaEvent_t;
typedef struct CUstream_st* CUstream;
typedef struct CUctx_st* CUcontext;
typedef struct CUfunc_st* CUfunction;
typedef struct CUmod_st* CUmodule;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef unsigned long long cudaTextureObject_t;
typedef struct CUtensorMap_st { alignas(64) unsigned long long opaque[16]; } CUtensorMap;
typedef int CUresult;
#define CUDA_SUCCESS 0
enum cudaError { cudaSuccess = 0, cudaErrorInvalidValue = 1, cudaErrorMemoryAllocation = 2,
                 cudaErrorNotReady = 600, cudaErrorPeerAccessAlreadyEnabled = 704 };
typedef enum cudaError cudaError_t;
enum cudaMemcpyKind { cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost,
                      cudaMemcpyDeviceToDevice, cudaMemcpyDefault };
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8,
                         cudaFuncAttributePreferredSharedMemoryCarveout = 9,
                         cudaFuncAttributeNonPortableClusterSizeAllowed = 16 };
enum cudaDeviceAttr { cudaDevAttrMaxThreadsPerBlock = 1, cudaDevAttrMaxSharedMemoryPerBlock = 8,
                      cudaDevAttrMultiProcessorCount = 16, cudaDevAttrComputeCapabilityMajor = 75,
                      cudaDevAttrComputeCapabilityMinor = 76, cudaDevAttrMaxSharedMemoryPerBlockOptin = 97,
                      cudaDevAttrMaxSharedMemoryPerMultiprocessor = 81, cudaDevAttrL2CacheSize = 38 };
enum cudaLimit { cudaLimitStackSize = 0 };
enum cudaIpcMemLazyEnablePeerAccess_t { cudaIpcMemLazyEnablePeerAccess = 1 };
#define cudaEventDisableTiming 0x02
#define cudaEventInterprocess 0x04
#define cudaStreamNonBlocking 0x01
#define cudaHostAllocDefault 0
#define cudaHostAllocMapped 0x02
#define cudaHostRegisterDefault 0
#define cudaHostRegisterMapped 0x02
#define cudaDeviceScheduleBlockingSync 0x04
struct cudaIpcMemHandle_t { char reserved[64]; };
struct cudaIpcEventHandle_t { char reserved[64]; };
struct cudaPointerAttributes { int type; int device; void* devicePointer; void* hostPointer; };
struct cudaFuncAttributes { size_t sharedSizeBytes; int maxThreadsPerBlock; int numRegs; int maxDynamicSharedSizeBytes; };
struct cudaDeviceProp {
  char name[256]; size_t totalGlobalMem; size_t sharedMemPerBlock; int regsPerBlock; int warpSize;
  int maxThreadsPerBlock; int maxThreadsDim[3]; int maxGridSize[3]; int clockRate; int major; int minor;
  int multiProcessorCount; size_t sharedMemPerBlockOptin; size_t sharedMemPerMultiprocessor;
  int maxThreadsPerMultiProcessor; int l2CacheSize; int pciBusID; int pciDeviceID;
};
struct cudaLaunchAttribute { int id; struct { unsigned x, y, z; } clusterDim; int val; };
#define cudaLaunchAttributeClusterDimension 4
#define cudaLaunchAttributeProgrammaticStreamSerialization 6
struct cudaLaunchConfig_t { dim3 gridDim; dim3 blockDim; size_t dynamicSmemBytes; cudaStream_t stream;
                            cudaLaunchAttribute* attrs; unsigned numAttrs; };

// Needed for `kernel<<<grid, block, shmem, stream>>>(...)`: clang builds the launch from it.
extern "C" int cudaConfigureCall(dim3 gridSize, dim3 blockSize, size_t sharedSize = 0, cudaStream_t stream = 0);

cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
const char* cudaGetErrorString(cudaError_t);
const char* cudaGetErrorName(cudaError_t);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaStreamSynchronize(cudaStream_t);
cudaError_t cudaStreamCreate(cudaStream_t*);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t*, unsigned);
cudaError_t cudaStreamDestroy(cudaStream_t);
cudaError_t cudaStreamWaitEvent(cudaStream_t, cudaEvent_t, unsigned = 0);
cudaError_t cudaEventCreate(cudaEvent_t*);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t*, unsigned);
cudaError_t cudaEventRecord(cudaEvent_t, cudaStream_t = 0);
cudaError_t cudaEventSynchronize(cudaEvent_t);
cudaError_t cudaEventElapsedTime(float*, cudaEvent_t, cudaEvent_t);
cudaError_t cudaEventDestroy(cudaEvent_t);
cudaError_t cudaEventQuery(cudaEvent_t);
cudaError_t cudaMalloc(void**, size_t);
template <class T> cudaError_t cudaMalloc(T** p, size_t n);
cudaError_t cudaMallocHost(void**, size_t);
cudaError_t cudaHostAlloc(void**, size_t, unsigned);
cudaError_t cudaMallocManaged(void**, size_t, unsigned = 1);
cudaError_t cudaFree(void*);
cudaError_t cudaFreeHost(void*);
cudaError_t cudaHostRegister(void*, size_t, unsigned);
cudaError_t cudaHostUnregister(void*);
cudaError_t cudaHostGetDevicePointer(void**, void*, unsigned);
cudaError_t cudaMemcpy(void*, const void*, size_t, cudaMemcpyKind);
cudaError_t cudaMemcpyAsync(void*, const void*, size_t, cudaMemcpyKind, cudaStream_t = 0);
cudaError_t cudaMemcpyToSymbol(const void*, const void*, size_t, size_t = 0, cudaMemcpyKind = cudaMemcpyHostToDevice);
cudaError_t cudaMemset(void*, int, size_t);
cudaError_t cudaMemsetAsync(void*, int, size_t, cudaStream_t = 0);
cudaError_t cudaGetDevice(int*);
cudaError_t cudaSetDevice(int);
cudaError_t cudaGetDeviceCount(int*);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp*, int);
cudaError_t cudaDeviceGetAttribute(int*, cudaDeviceAttr, int);
cudaError_t cudaDeviceSetLimit(cudaLimit, size_t);
cudaError_t cudaDeviceCanAccessPeer(int*, int, int);
cudaError_t cudaDeviceEnablePeerAccess(int, unsigned);
cudaError_t cudaPointerGetAttributes(cudaPointerAttributes*, const void*);
cudaError_t cudaIpcGetMemHandle(cudaIpcMemHandle_t*, void*);
cudaError_t cudaIpcOpenMemHandle(void**, cudaIpcMemHandle_t, unsigned);
cudaError_t cudaIpcCloseMemHandle(void*);
cudaError_t cudaIpcGetEventHandle(cudaIpcEventHandle_t*, cudaEvent_t);
cudaError_t cudaIpcOpenEventHandle(cudaEvent_t*, cudaIpcEventHandle_t);
cudaError_t cudaStreamIsCapturing(cudaStream_t, int*);
cudaError_t cudaFuncSetAttribute(const void*, cudaFuncAttribute, int);
template <class T> cudaError_t cudaFuncSetAttribute(T*, cudaFuncAttribute, int);
cudaError_t cudaFuncGetAttributes(cudaFuncAttributes*, const void*);
template <class T> cudaError_t cudaFuncGetAttributes(cudaFuncAttributes*, T*);
cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int*, const void*, int, size_t);
template <class T> cudaError_t cudaOccupancyMaxActiveBlocksPerMultiprocessor(int*, T, int, size_t);
cudaError_t cudaLaunchKernel(const void*, dim3, dim3, void**, size_t, cudaStream_t);
template <class K, class... A> cudaError_t cudaLaunchKernelEx(const cudaLaunchConfig_t*, K, A&&...);
template <class K> cudaError_t cudaLaunchCooperativeKernel(K, dim3, dim3, void**, size_t = 0, cudaStream_t = 0);
cudaError_t cudaDriverGetVersion(int*);
cudaError_t cudaRuntimeGetVersion(int*);
CUresult cuGetErrorString(CUresult, const char**);
CUresult cuPointerGetAttribute(void*, int, CUdeviceptr);
#define CU_POINTER_ATTRIBUTE_RANGE_START_ADDR 12
#define CU_POINTER_ATTRIBUTE_RANGE_SIZE 13


MARGINALIA_HD char2 make_char2(signed char, signed char);
MARGINALIA_HD char4 make_char4(signed char, signed char, signed char, signed char);
MARGINALIA_HD uchar2 make_uchar2(unsigned char, unsigned char);
MARGINALIA_HD uchar4 make_uchar4(unsigned char, unsigned char, unsigned char, unsigned char);
MARGINALIA_HD short2 make_short2(short, short);
MARGINALIA_HD ushort2 make_ushort2(unsigned short, unsigned short);
MARGINALIA_HD int2 make_int2(int, int);
MARGINALIA_HD int3 make_int3(int, int, int);
MARGINALIA_HD int4 make_int4(int, int, int, int);
MARGINALIA_HD uint2 make_uint2(unsigned, unsigned);
MARGINALIA_HD uint3 make_uint3(unsigned, unsigned, unsigned);
MARGINALIA_HD uint4 make_uint4(unsigned, unsigned, unsigned, unsigned);
MARGINALIA_HD float2 make_float2(float, float);
MARGINALIA_HD float3 make_float3(float, float, float);
MARGINALIA_HD float4 make_float4(float, float, float, float);
MARGINALIA_HD double2 make_double2(double, double);
MARGINALIA_HD longlong2 make_longlong2(long long, long long);
MARGINALIA_HD ulonglong2 make_ulonglong2(unsigned long long, unsigned long long);
MARGINALIA_HD dim3 make_dim3(unsigned, unsigned, unsigned);

// ---------------------------------------------------------------------------------------------
// Device built-ins: synchronisation, warps, atomics, memory, bit tricks, fast math.
MARGINALIA_D void __syncthreads();
MARGINALIA_D int __syncthreads_count(int);
MARGINALIA_D int __syncthreads_and(int);
MARGINALIA_D int __syncthreads_or(int);
MARGINALIA_D void __syncwarp(unsigned = 0xffffffffu);
MARGINALIA_D void __threadfence();
MARGINALIA_D void __threadfence_block();
MARGINALIA_D void __threadfence_system();
MARGINALIA_D void __nanosleep(unsigned);
MARGINALIA_D void __trap();
MARGINALIA_D void __brkpt();
MARGINALIA_D unsigned __activemask();
MARGINALIA_D unsigned __ballot_sync(unsigned, int);
MARGINALIA_D int __all_sync(unsigned, int);
MARGINALIA_D int __any_sync(unsigned, int);
MARGINALIA_D unsigned __match_any_sync(unsigned, unsigned);
template <class T> MARGINALIA_D T __shfl_sync(unsigned, T, int, int = 32);
template <class T> MARGINALIA_D T __shfl_up_sync(unsigned, T, unsigned, int = 32);
template <class T> MARGINALIA_D T __shfl_down_sync(unsigned, T, unsigned, int = 32);
template <class T> MARGINALIA_D T __shfl_xor_sync(unsigned, T, int, int = 32);
template <class T> MARGINALIA_D T __shfl(T, int, int = 32);
template <class T> MARGINALIA_D T __shfl_xor(T, int, int = 32);
template <class T> MARGINALIA_D T __shfl_down(T, unsigned, int = 32);
template <class T> MARGINALIA_D T __shfl_up(T, unsigned, int = 32);
template <class T> MARGINALIA_D T __reduce_add_sync(unsigned, T);
template <class T> MARGINALIA_D T __reduce_max_sync(unsigned, T);
template <class T> MARGINALIA_D T __reduce_min_sync(unsigned, T);
template <class T> MARGINALIA_D T atomicAdd(T*, T);
template <class T> MARGINALIA_D T atomicSub(T*, T);
template <class T> MARGINALIA_D T atomicMax(T*, T);
template <class T> MARGINALIA_D T atomicMin(T*, T);
template <class T> MARGINALIA_D T atomicExch(T*, T);
template <class T> MARGINALIA_D T atomicCAS(T*, T, T);
template <class T> MARGINALIA_D T atomicAnd(T*, T);
template <class T> MARGINALIA_D T atomicOr(T*, T);
template <class T> MARGINALIA_D T atomicXor(T*, T);
template <class T> MARGINALIA_D T atomicInc(T*, T);
template <class T> MARGINALIA_D T atomicAdd_block(T*, T);
template <class T> MARGINALIA_D T atomicAdd_system(T*, T);
template <class T> MARGINALIA_D T atomicCAS_system(T*, T, T);
template <class T> MARGINALIA_D T __ldg(const T*);
template <class T> MARGINALIA_D T __ldcg(const T*);
template <class T> MARGINALIA_D T __ldca(const T*);
template <class T> MARGINALIA_D T __ldcs(const T*);
template <class T> MARGINALIA_D T __ldlu(const T*);
template <class T> MARGINALIA_D T __ldcv(const T*);
template <class T> MARGINALIA_D void __stcg(T*, T);
template <class T> MARGINALIA_D void __stcs(T*, T);
template <class T> MARGINALIA_D void __stwt(T*, T);
template <class T> MARGINALIA_D void __stwb(T*, T);
MARGINALIA_D unsigned __cvta_generic_to_shared(const void*);
MARGINALIA_D void* __cvta_shared_to_generic(size_t);
MARGINALIA_D size_t __cvta_generic_to_global(const void*);
MARGINALIA_D bool __isShared(const void*);
MARGINALIA_D bool __isGlobal(const void*);
MARGINALIA_D unsigned __byte_perm(unsigned, unsigned, unsigned);
MARGINALIA_D int __dp4a(int, int, int);
MARGINALIA_D unsigned __dp4a(unsigned, unsigned, unsigned);
MARGINALIA_D int __dp2a_lo(int, int, int);
MARGINALIA_D int __dp2a_hi(int, int, int);
MARGINALIA_D unsigned __vsub4(unsigned, unsigned);
MARGINALIA_D unsigned __vsubss4(unsigned, unsigned);
MARGINALIA_D unsigned __vadd4(unsigned, unsigned);
MARGINALIA_D unsigned __vcmpeq4(unsigned, unsigned);
MARGINALIA_D unsigned __vmaxs4(unsigned, unsigned);
MARGINALIA_D unsigned __vabsdiffu4(unsigned, unsigned);
MARGINALIA_D int __popc(unsigned);
MARGINALIA_D int __popcll(unsigned long long);
MARGINALIA_D int __clz(int);
MARGINALIA_D int __clzll(long long);
MARGINALIA_D int __ffs(int);
MARGINALIA_D int __ffsll(long long);
MARGINALIA_D unsigned __brev(unsigned);
MARGINALIA_D unsigned __funnelshift_l(unsigned, unsigned, unsigned);
MARGINALIA_D unsigned __funnelshift_r(unsigned, unsigned, unsigned);
MARGINALIA_D unsigned __funnelshift_lc(unsigned, unsigned, unsigned);
MARGINALIA_D int __mul24(int, int);
MARGINALIA_D int __mulhi(int, int);
MARGINALIA_D unsigned __umulhi(unsigned, unsigned);
MARGINALIA_D long long __mul64hi(long long, long long);
MARGINALIA_D unsigned __sad(int, int, unsigned);
MARGINALIA_D long long clock64();
MARGINALIA_D unsigned __smid();
MARGINALIA_D unsigned long long __globaltimer();
MARGINALIA_D float __fdividef(float, float);
MARGINALIA_D float __frcp_rn(float);
MARGINALIA_D float __fsqrt_rn(float);
MARGINALIA_D float __frsqrt_rn(float);
MARGINALIA_D float __saturatef(float);
MARGINALIA_D float __fadd_rn(float, float);
MARGINALIA_D float __fadd_rz(float, float);
MARGINALIA_D float __fsub_rn(float, float);
MARGINALIA_D float __fmul_rn(float, float);
MARGINALIA_D float __fmul_rz(float, float);
MARGINALIA_D float __fmaf_rn(float, float, float);
MARGINALIA_D float __fdiv_rn(float, float);
MARGINALIA_D double __dadd_rn(double, double);
MARGINALIA_D double __dmul_rn(double, double);
MARGINALIA_D int __float2int_rn(float);
MARGINALIA_D int __float2int_rz(float);
MARGINALIA_D int __float2int_rd(float);
MARGINALIA_D int __float2int_ru(float);
MARGINALIA_D unsigned __float2uint_rn(float);
MARGINALIA_D unsigned __float2uint_rz(float);
MARGINALIA_D long long __float2ll_rn(float);
MARGINALIA_D long long __float2ll_rd(float);
MARGINALIA_D float __int2float_rn(int);
MARGINALIA_D float __int2float_rz(int);
MARGINALIA_D float __uint2float_rn(unsigned);
MARGINALIA_D float __ll2float_rn(long long);
MARGINALIA_D float __int_as_float(int);
MARGINALIA_D int __float_as_int(float);
MARGINALIA_D float __uint_as_float(unsigned);
MARGINALIA_D unsigned __float_as_uint(float);
MARGINALIA_D double __longlong_as_double(long long);
MARGINALIA_D long long __double_as_longlong(double);
MARGINALIA_D int __double2int_rn(double);
MARGINALIA_D float __double2float_rn(double);
MARGINALIA_HD float rsqrtf(float);
MARGINALIA_HD double rsqrt(double);
MARGINALIA_HD float exp10f(float);
MARGINALIA_HD float normcdff(float);
MARGINALIA_HD float erfinvf(float);
MARGINALIA_HD void sincosf(float, float*, float*);
MARGINALIA_HD float saturate(float);
MARGINALIA_HD int min(int, int);
MARGINALIA_HD int max(int, int);
MARGINALIA_HD unsigned min(unsigned, unsigned);
MARGINALIA_HD unsigned max(unsigned, unsigned);
MARGINALIA_HD long long min(long long, long long);
MARGINALIA_HD long long max(long long, long long);
MARGINALIA_HD unsigned long long min(unsigned long long, unsigned long long);
MARGINALIA_HD unsigned long long max(unsigned long long, unsigned long long);
MARGINALIA_HD long min(long, long);
MARGINALIA_HD long max(long, long);
MARGINALIA_HD float min(float, float);
MARGINALIA_HD float max(float, float);
MARGINALIA_HD double min(double, double);
MARGINALIA_HD double max(double, double);
MARGINALIA_HD unsigned umin(unsigned, unsigned);
MARGINALIA_HD unsigned umax(unsigned, unsigned);
MARGINALIA_D void __prefetch_global_l2(const void*);
MARGINALIA_D void* memcpy_async(void*, const void*, size_t);

// ---------------------------------------------------------------------------------------------
// cuda_fp16.h / cuda_bf16.h / cuda_fp8.h
struct __half_raw { unsigned short x; };
struct __half2_raw { unsigned short x, y; };
struct __align__(2) __half {
  unsigned short __x;
  __half() = default;
  MARGINALIA_HD __half(float);
  MARGINALIA_HD __half(double);
  MARGINALIA_HD __half(int);
  MARGINALIA_HD __half(unsigned);
  MARGINALIA_HD __half(long long);
  MARGINALIA_HD __half(unsigned long long);
  MARGINALIA_HD __half(short);
  MARGINALIA_HD __half(unsigned short);
  MARGINALIA_HD __half(const __half_raw&);
  MARGINALIA_HD __half& operator=(const __half_raw&);
  MARGINALIA_HD operator __half_raw() const;
  MARGINALIA_HD operator float() const;
};
struct __align__(4) __half2 {
  __half x, y;
  __half2() = default;
  MARGINALIA_HD __half2(__half, __half);
  MARGINALIA_HD __half2(const __half2_raw&);
  MARGINALIA_HD operator __half2_raw() const;
};
typedef __half half;
typedef __half2 half2;
typedef __half __nv_half;
typedef __half2 __nv_half2;
typedef __half_raw __nv_half_raw;
struct __nv_bfloat16_raw { unsigned short x; };
struct __nv_bfloat162_raw { unsigned short x, y; };
struct __align__(2) __nv_bfloat16 {
  unsigned short __x;
  __nv_bfloat16() = default;
  MARGINALIA_HD __nv_bfloat16(float);
  MARGINALIA_HD __nv_bfloat16(double);
  MARGINALIA_HD __nv_bfloat16(int);
  MARGINALIA_HD __nv_bfloat16(unsigned);
  MARGINALIA_HD __nv_bfloat16(short);
  MARGINALIA_HD __nv_bfloat16(unsigned short);
  MARGINALIA_HD __nv_bfloat16(const __nv_bfloat16_raw&);
  MARGINALIA_HD operator __nv_bfloat16_raw() const;
  MARGINALIA_HD operator float() const;
};
struct __align__(4) __nv_bfloat162 {
  __nv_bfloat16 x, y;
  __nv_bfloat162() = default;
  MARGINALIA_HD __nv_bfloat162(__nv_bfloat16, __nv_bfloat16);
  MARGINALIA_HD __nv_bfloat162(const __nv_bfloat162_raw&);
  MARGINALIA_HD operator __nv_bfloat162_raw() const;
};
typedef __nv_bfloat16 nv_bfloat16;
typedef __nv_bfloat162 nv_bfloat162;
MARGINALIA_HD __half operator+(__half, __half);
MARGINALIA_HD __half operator-(__half, __half);
MARGINALIA_HD __half operator*(__half, __half);
MARGINALIA_HD __half operator/(__half, __half);
MARGINALIA_HD __half operator-(__half);
MARGINALIA_HD __half& operator+=(__half&, __half);
MARGINALIA_HD __half& operator*=(__half&, __half);
MARGINALIA_HD bool operator<(__half, __half);
MARGINALIA_HD bool operator>(__half, __half);
MARGINALIA_HD bool operator==(__half, __half);
MARGINALIA_HD __half2 operator+(__half2, __half2);
MARGINALIA_HD __half2 operator-(__half2, __half2);
MARGINALIA_HD __half2 operator*(__half2, __half2);
MARGINALIA_HD __half2 operator/(__half2, __half2);
MARGINALIA_HD __half2& operator+=(__half2&, __half2);
MARGINALIA_HD __half2& operator*=(__half2&, __half2);
MARGINALIA_HD __nv_bfloat16 operator+(__nv_bfloat16, __nv_bfloat16);
MARGINALIA_HD __nv_bfloat16 operator-(__nv_bfloat16, __nv_bfloat16);
MARGINALIA_HD __nv_bfloat16 operator*(__nv_bfloat16, __nv_bfloat16);
MARGINALIA_HD __nv_bfloat16 operator/(__nv_bfloat16, __nv_bfloat16);
MARGINALIA_HD __nv_bfloat16 operator-(__nv_bfloat16);
MARGINALIA_HD __nv_bfloat16& operator+=(__nv_bfloat16&, __nv_bfloat16);
MARGINALIA_HD __nv_bfloat16& operator*=(__nv_bfloat16&, __nv_bfloat16);
MARGINALIA_HD bool operator<(__nv_bfloat16, __nv_bfloat16);
MARGINALIA_HD bool operator>(__nv_bfloat16, __nv_bfloat16);
MARGINALIA_HD __nv_bfloat162 operator+(__nv_bfloat162, __nv_bfloat162);
MARGINALIA_HD __nv_bfloat162 operator-(__nv_bfloat162, __nv_bfloat162);
MARGINALIA_HD __nv_bfloat162 operator*(__nv_bfloat162, __nv_bfloat162);
MARGINALIA_HD __nv_bfloat162& operator+=(__nv_bfloat162&, __nv_bfloat162);
MARGINALIA_HD __nv_bfloat162& operator*=(__nv_bfloat162&, __nv_bfloat162);

#define MARGINALIA_HALF_OPS(H, H2, P)                                               \
  MARGINALIA_HD H P##add(H, H); MARGINALIA_HD H P##sub(H, H); MARGINALIA_HD H P##mul(H, H);       \
  MARGINALIA_HD H P##div(H, H); MARGINALIA_HD H P##fma(H, H, H); MARGINALIA_HD H P##neg(H);       \
  MARGINALIA_HD H P##max(H, H); MARGINALIA_HD H P##min(H, H); MARGINALIA_HD H P##abs(H);          \
  MARGINALIA_HD H P##fma_relu(H, H, H); MARGINALIA_HD H P##max_nan(H, H);                       \
  MARGINALIA_HD bool P##eq(H, H); MARGINALIA_HD bool P##ne(H, H); MARGINALIA_HD bool P##lt(H, H);   \
  MARGINALIA_HD bool P##le(H, H); MARGINALIA_HD bool P##gt(H, H); MARGINALIA_HD bool P##ge(H, H);   \
  MARGINALIA_HD bool P##isnan(H); MARGINALIA_HD bool P##isinf(H);                                 \
  MARGINALIA_HD H2 P##add2(H2, H2); MARGINALIA_HD H2 P##sub2(H2, H2); MARGINALIA_HD H2 P##mul2(H2, H2); \
  MARGINALIA_HD H2 P##fma2(H2, H2, H2); MARGINALIA_HD H2 P##neg2(H2); MARGINALIA_HD H2 P##max2(H2, H2); \
  MARGINALIA_HD H2 P##min2(H2, H2); MARGINALIA_HD H2 P##abs2(H2); MARGINALIA_HD H2 P##h2div(H2, H2);  \
  MARGINALIA_HD H2 P##fma2_relu(H2, H2, H2); MARGINALIA_HD H2 P##add2_sat(H2, H2);                 \
  MARGINALIA_HD H2 P##mul2_sat(H2, H2); MARGINALIA_HD H2 P##hmax2(H2, H2);
MARGINALIA_HALF_OPS(__half, __half2, __h)
MARGINALIA_HALF_OPS(__nv_bfloat16, __nv_bfloat162, __h)
#undef MARGINALIA_HALF_OPS
MARGINALIA_HD __half2 h2div(__half2, __half2);
MARGINALIA_HD __nv_bfloat162 h2div(__nv_bfloat162, __nv_bfloat162);
MARGINALIA_HD __half hexp(__half); MARGINALIA_HD __half2 h2exp(__half2);
MARGINALIA_HD __half hrsqrt(__half); MARGINALIA_HD __half2 h2rsqrt(__half2);
MARGINALIA_HD __half hsqrt(__half); MARGINALIA_HD __half hlog(__half); MARGINALIA_HD __half htanh(__half);
MARGINALIA_HD __nv_bfloat16 hexp(__nv_bfloat16); MARGINALIA_HD __nv_bfloat162 h2exp(__nv_bfloat162);
MARGINALIA_HD __nv_bfloat16 hrsqrt(__nv_bfloat16); MARGINALIA_HD __nv_bfloat162 h2rsqrt(__nv_bfloat162);
MARGINALIA_HD __nv_bfloat16 hsqrt(__nv_bfloat16); MARGINALIA_HD __nv_bfloat16 htanh(__nv_bfloat16);
MARGINALIA_HD float __half2float(__half);
MARGINALIA_HD __half __float2half(float);
MARGINALIA_HD __half __float2half_rn(float);
MARGINALIA_HD __half __float2half_rz(float);
MARGINALIA_HD __half __double2half(double);
MARGINALIA_HD __half2 __float2half2_rn(float);
MARGINALIA_HD __half2 __floats2half2_rn(float, float);
MARGINALIA_HD __half2 __float22half2_rn(float2);
MARGINALIA_HD float2 __half22float2(__half2);
MARGINALIA_HD __half2 __halves2half2(__half, __half);
MARGINALIA_HD __half2 __half2half2(__half);
MARGINALIA_HD __half2 __lows2half2(__half2, __half2);
MARGINALIA_HD __half2 __highs2half2(__half2, __half2);
MARGINALIA_HD __half2 __low2half2(__half2);
MARGINALIA_HD __half2 __high2half2(__half2);
MARGINALIA_HD __half __low2half(__half2);
MARGINALIA_HD __half __high2half(__half2);
MARGINALIA_HD float __low2float(__half2);
MARGINALIA_HD float __high2float(__half2);
MARGINALIA_HD __half2 __lowhigh2highlow(__half2);
MARGINALIA_HD __half __int2half_rn(int);
MARGINALIA_HD __half __int2half_rz(int);
MARGINALIA_HD __half __uint2half_rn(unsigned);
MARGINALIA_HD __half __short2half_rn(short);
MARGINALIA_HD __half __ushort2half_rn(unsigned short);
MARGINALIA_HD __half __ll2half_rn(long long);
MARGINALIA_HD int __half2int_rn(__half);
MARGINALIA_HD int __half2int_rz(__half);
MARGINALIA_HD unsigned __half2uint_rn(__half);
MARGINALIA_HD short __half2short_rn(__half);
MARGINALIA_HD short __half_as_short(__half);
MARGINALIA_HD unsigned short __half_as_ushort(__half);
MARGINALIA_HD __half __short_as_half(short);
MARGINALIA_HD __half __ushort_as_half(unsigned short);
MARGINALIA_HD float __bfloat162float(__nv_bfloat16);
MARGINALIA_HD __nv_bfloat16 __float2bfloat16(float);
MARGINALIA_HD __nv_bfloat16 __float2bfloat16_rn(float);
MARGINALIA_HD __nv_bfloat16 __float2bfloat16_rz(float);
MARGINALIA_HD __nv_bfloat16 __double2bfloat16(double);
MARGINALIA_HD __nv_bfloat162 __float2bfloat162_rn(float);
MARGINALIA_HD __nv_bfloat162 __floats2bfloat162_rn(float, float);
MARGINALIA_HD __nv_bfloat162 __float22bfloat162_rn(float2);
MARGINALIA_HD float2 __bfloat1622float2(__nv_bfloat162);
MARGINALIA_HD __nv_bfloat162 __halves2bfloat162(__nv_bfloat16, __nv_bfloat16);
MARGINALIA_HD __nv_bfloat162 __bfloat162bfloat162(__nv_bfloat16);
MARGINALIA_HD __nv_bfloat162 __lows2bfloat162(__nv_bfloat162, __nv_bfloat162);
MARGINALIA_HD __nv_bfloat162 __highs2bfloat162(__nv_bfloat162, __nv_bfloat162);
MARGINALIA_HD __nv_bfloat162 __low2bfloat162(__nv_bfloat162);
MARGINALIA_HD __nv_bfloat162 __high2bfloat162(__nv_bfloat162);
MARGINALIA_HD __nv_bfloat16 __low2bfloat16(__nv_bfloat162);
MARGINALIA_HD __nv_bfloat16 __high2bfloat16(__nv_bfloat162);
MARGINALIA_HD float __low2float(__nv_bfloat162);
MARGINALIA_HD float __high2float(__nv_bfloat162);
MARGINALIA_HD __nv_bfloat16 __int2bfloat16_rn(int);
MARGINALIA_HD __nv_bfloat16 __uint2bfloat16_rn(unsigned);
MARGINALIA_HD __nv_bfloat16 __short2bfloat16_rn(short);
MARGINALIA_HD __nv_bfloat16 __ushort2bfloat16_rn(unsigned short);
MARGINALIA_HD int __bfloat162int_rn(__nv_bfloat16);
MARGINALIA_HD int __bfloat162int_rz(__nv_bfloat16);
MARGINALIA_HD short __bfloat16_as_short(__nv_bfloat16);
MARGINALIA_HD unsigned short __bfloat16_as_ushort(__nv_bfloat16);
MARGINALIA_HD __nv_bfloat16 __short_as_bfloat16(short);
MARGINALIA_HD __nv_bfloat16 __ushort_as_bfloat16(unsigned short);

typedef unsigned char __nv_fp8_storage_t;
typedef unsigned short __nv_fp8x2_storage_t;
typedef unsigned int __nv_fp8x4_storage_t;
typedef unsigned char __nv_fp4_storage_t;
typedef unsigned char __nv_fp4x2_storage_t;
typedef unsigned short __nv_fp4x4_storage_t;
enum __nv_fp8_interpretation_t { __NV_E4M3, __NV_E5M2 };
enum __nv_saturation_t { __NV_NOSAT, __NV_SATFINITE };
enum __nv_fp4_interpretation_t { __NV_E2M1 };
enum cudaRoundMode { cudaRoundZero, cudaRoundNearest, cudaRoundPosInf, cudaRoundMinInf };
#define MARGINALIA_FP8(NAME)                                          \
  struct NAME {                                                        \
    __nv_fp8_storage_t __x;                                            \
    NAME() = default;                                              \
    MARGINALIA_HD explicit NAME(float);                                \
    MARGINALIA_HD explicit NAME(double);                               \
    MARGINALIA_HD explicit NAME(__half);                               \
    MARGINALIA_HD explicit NAME(__nv_bfloat16);                        \
    MARGINALIA_HD explicit NAME(int);                                  \
    MARGINALIA_HD explicit operator float() const;                     \
    MARGINALIA_HD explicit operator __half() const;                    \
    MARGINALIA_HD explicit operator __nv_bfloat16() const;             \
  };
MARGINALIA_FP8(__nv_fp8_e4m3)
MARGINALIA_FP8(__nv_fp8_e5m2)
MARGINALIA_FP8(__nv_fp8_e8m0)
MARGINALIA_FP8(__nv_fp4_e2m1)
#undef MARGINALIA_FP8
struct __nv_fp8x2_e4m3 { __nv_fp8x2_storage_t __x; __nv_fp8x2_e4m3() = default; MARGINALIA_HD explicit __nv_fp8x2_e4m3(float2); MARGINALIA_HD explicit operator __half2() const; MARGINALIA_HD explicit operator float2() const; };
struct __nv_fp8x4_e4m3 { __nv_fp8x4_storage_t __x; __nv_fp8x4_e4m3() = default; MARGINALIA_HD explicit __nv_fp8x4_e4m3(float4); MARGINALIA_HD explicit __nv_fp8x4_e4m3(__half2, __half2); MARGINALIA_HD explicit operator float4() const; };
struct __nv_fp8x2_e5m2 { __nv_fp8x2_storage_t __x; __nv_fp8x2_e5m2() = default; MARGINALIA_HD explicit __nv_fp8x2_e5m2(float2); MARGINALIA_HD explicit operator __half2() const; };
struct __nv_fp8x4_e5m2 { __nv_fp8x4_storage_t __x; __nv_fp8x4_e5m2() = default; MARGINALIA_HD explicit __nv_fp8x4_e5m2(float4); };
struct __nv_fp4x2_e2m1 { __nv_fp4x2_storage_t __x; __nv_fp4x2_e2m1() = default; MARGINALIA_HD explicit __nv_fp4x2_e2m1(float2); };
struct __nv_fp4x4_e2m1 { __nv_fp4x4_storage_t __x; __nv_fp4x4_e2m1() = default; MARGINALIA_HD explicit __nv_fp4x4_e2m1(float4); };
MARGINALIA_HD __half_raw __nv_cvt_fp8_to_halfraw(__nv_fp8_storage_t, __nv_fp8_interpretation_t);
MARGINALIA_HD __half2_raw __nv_cvt_fp8x2_to_halfraw2(__nv_fp8x2_storage_t, __nv_fp8_interpretation_t);
MARGINALIA_HD __nv_fp8_storage_t __nv_cvt_float_to_fp8(float, __nv_saturation_t, __nv_fp8_interpretation_t);
MARGINALIA_HD __nv_fp8x2_storage_t __nv_cvt_float2_to_fp8x2(float2, __nv_saturation_t, __nv_fp8_interpretation_t);
MARGINALIA_HD __nv_fp8_storage_t __nv_cvt_halfraw_to_fp8(__half_raw, __nv_saturation_t, __nv_fp8_interpretation_t);
MARGINALIA_HD __nv_fp8x2_storage_t __nv_cvt_halfraw2_to_fp8x2(__half2_raw, __nv_saturation_t, __nv_fp8_interpretation_t);
MARGINALIA_HD __nv_fp8_storage_t __nv_cvt_bfloat16raw_to_fp8(__nv_bfloat16_raw, __nv_saturation_t, __nv_fp8_interpretation_t);
MARGINALIA_HD __nv_fp8x2_storage_t __nv_cvt_bfloat16raw2_to_fp8x2(__nv_bfloat162_raw, __nv_saturation_t, __nv_fp8_interpretation_t);
MARGINALIA_HD __nv_fp8_storage_t __nv_cvt_double_to_fp8(double, __nv_saturation_t, __nv_fp8_interpretation_t);
MARGINALIA_HD __nv_fp4_storage_t __nv_cvt_float_to_fp4(float, __nv_fp4_interpretation_t, cudaRoundMode);
MARGINALIA_HD __nv_fp4x2_storage_t __nv_cvt_float2_to_fp4x2(float2, __nv_fp4_interpretation_t, cudaRoundMode);
MARGINALIA_HD __half_raw __nv_cvt_fp4_to_halfraw(__nv_fp4_storage_t, __nv_fp4_interpretation_t);
MARGINALIA_HD __half2_raw __nv_cvt_fp4x2_to_halfraw2(__nv_fp4x2_storage_t, __nv_fp4_interpretation_t);

// cub (block/warp primitives used by vLLM's kernels).
namespace cub {
struct Sum { template <class T> MARGINALIA_HD T operator()(const T&, const T&) const; };
struct Max { template <class T> MARGINALIA_HD T operator()(const T&, const T&) const; };
struct Min { template <class T> MARGINALIA_HD T operator()(const T&, const T&) const; };
struct KeyValuePair_base {};
template <class K, class V> struct KeyValuePair { K key; V value; MARGINALIA_HD KeyValuePair(); MARGINALIA_HD KeyValuePair(K, V); };
struct ArgMax { template <class T> MARGINALIA_HD T operator()(const T&, const T&) const; };
struct ArgMin { template <class T> MARGINALIA_HD T operator()(const T&, const T&) const; };
enum BlockReduceAlgorithm { BLOCK_REDUCE_RAKING, BLOCK_REDUCE_WARP_REDUCTIONS, BLOCK_REDUCE_RAKING_COMMUTATIVE_ONLY };
enum BlockScanAlgorithm { BLOCK_SCAN_RAKING, BLOCK_SCAN_WARP_SCANS, BLOCK_SCAN_RAKING_MEMOIZE };
enum BlockLoadAlgorithm { BLOCK_LOAD_DIRECT, BLOCK_LOAD_VECTORIZE, BLOCK_LOAD_TRANSPOSE, BLOCK_LOAD_WARP_TRANSPOSE };
enum BlockStoreAlgorithm { BLOCK_STORE_DIRECT, BLOCK_STORE_VECTORIZE, BLOCK_STORE_TRANSPOSE, BLOCK_STORE_WARP_TRANSPOSE };
template <class T, int BLOCK_DIM_X, BlockReduceAlgorithm A = BLOCK_REDUCE_WARP_REDUCTIONS, int Y = 1, int Z = 1, int ARCH = 0>
struct BlockReduce {
  struct TempStorage { char bytes[16]; };
  MARGINALIA_D BlockReduce();
  MARGINALIA_D BlockReduce(TempStorage&);
  template <class Op> MARGINALIA_D T Reduce(T, Op);
  template <class Op> MARGINALIA_D T Reduce(T, Op, int);
  template <int N, class Op> MARGINALIA_D T Reduce(T (&)[N], Op);
  MARGINALIA_D T Sum(T);
  MARGINALIA_D T Sum(T, int);
  template <int N> MARGINALIA_D T Sum(T (&)[N]);
};
template <class T, int BLOCK_DIM_X, BlockScanAlgorithm A = BLOCK_SCAN_RAKING, int Y = 1, int Z = 1, int ARCH = 0>
struct BlockScan {
  struct TempStorage { char bytes[16]; };
  MARGINALIA_D BlockScan();
  MARGINALIA_D BlockScan(TempStorage&);
  template <class... A2> MARGINALIA_D void ExclusiveSum(A2&&...);
  template <class... A2> MARGINALIA_D void InclusiveSum(A2&&...);
  template <class... A2> MARGINALIA_D void ExclusiveScan(A2&&...);
  template <class... A2> MARGINALIA_D void InclusiveScan(A2&&...);
};
template <class T, int WARP_THREADS = 32, int ARCH = 0>
struct WarpReduce {
  struct TempStorage { char bytes[16]; };
  MARGINALIA_D WarpReduce(TempStorage&);
  template <class Op> MARGINALIA_D T Reduce(T, Op);
  template <class Op> MARGINALIA_D T Reduce(T, Op, int);
  MARGINALIA_D T Sum(T);
  MARGINALIA_D T Sum(T, int);
};
template <class T, int BLOCK_DIM_X, int ITEMS, BlockLoadAlgorithm A = BLOCK_LOAD_DIRECT, int Y = 1, int Z = 1>
struct BlockLoad {
  struct TempStorage { char bytes[16]; };
  MARGINALIA_D BlockLoad();
  MARGINALIA_D BlockLoad(TempStorage&);
  template <class... A2> MARGINALIA_D void Load(A2&&...);
};
template <class T, int BLOCK_DIM_X, int ITEMS, BlockStoreAlgorithm A = BLOCK_STORE_DIRECT, int Y = 1, int Z = 1>
struct BlockStore {
  struct TempStorage { char bytes[16]; };
  MARGINALIA_D BlockStore();
  MARGINALIA_D BlockStore(TempStorage&);
  template <class... A2> MARGINALIA_D void Store(A2&&...);
};
template <class T, int BLOCK_DIM_X, int ITEMS, class V = int, int RADIX_BITS = 4, bool MEMOIZE = true, int A = 0>
struct BlockRadixSort {
  struct TempStorage { char bytes[16]; };
  MARGINALIA_D BlockRadixSort(TempStorage&);
  template <class... A2> MARGINALIA_D void Sort(A2&&...);
  template <class... A2> MARGINALIA_D void SortDescending(A2&&...);
  template <class... A2> MARGINALIA_D void SortBlockedToStriped(A2&&...);
  template <class... A2> MARGINALIA_D void SortDescendingBlockedToStriped(A2&&...);
};
template <class T> struct Traits { typedef T UnsignedBits; static constexpr int CATEGORY = 0; MARGINALIA_HD static T Max(); MARGINALIA_HD static T Lowest(); };
template <class T> struct FpLimits { MARGINALIA_HD static T Max(); MARGINALIA_HD static T Lowest(); };
template <class T> MARGINALIA_HD T ShuffleIndex(T, int, unsigned);
template <class... A> MARGINALIA_D void LoadDirectBlocked(A&&...);
template <class... A> MARGINALIA_D void StoreDirectBlocked(A&&...);
struct DeviceScan { template <class... A> static cudaError_t InclusiveSum(A&&...); template <class... A> static cudaError_t ExclusiveSum(A&&...); };
struct DeviceRadixSort { template <class... A> static cudaError_t SortPairs(A&&...); template <class... A> static cudaError_t SortKeys(A&&...); };
struct DeviceReduce { template <class... A> static cudaError_t Sum(A&&...); template <class... A> static cudaError_t Max(A&&...); };
}  // namespace cub
namespace cooperative_groups {
struct thread_block { MARGINALIA_D void sync() const; MARGINALIA_D unsigned size() const; MARGINALIA_D unsigned thread_rank() const; MARGINALIA_D dim3 group_index() const; MARGINALIA_D dim3 thread_index() const; };
struct grid_group { MARGINALIA_D void sync() const; MARGINALIA_D unsigned long long size() const; MARGINALIA_D unsigned long long thread_rank() const; };
template <unsigned N> struct thread_block_tile { MARGINALIA_D void sync() const; MARGINALIA_D unsigned thread_rank() const; MARGINALIA_D unsigned size() const; MARGINALIA_D unsigned meta_group_rank() const; template <class T> MARGINALIA_D T shfl(T, int) const; template <class T> MARGINALIA_D T shfl_xor(T, int) const; template <class T> MARGINALIA_D T shfl_down(T, unsigned) const; };
struct cluster_group { MARGINALIA_D void sync() const; MARGINALIA_D unsigned block_rank() const; MARGINALIA_D unsigned num_blocks() const; template <class T> MARGINALIA_D T* map_shared_rank(T*, unsigned) const; };
MARGINALIA_D thread_block this_thread_block();
MARGINALIA_D grid_group this_grid();
MARGINALIA_D cluster_group this_cluster();
template <unsigned N, class G> MARGINALIA_D thread_block_tile<N> tiled_partition(const G&);
template <class G, class T, class Op> MARGINALIA_D T reduce(const G&, T, Op);
template <class T> struct plus { MARGINALIA_D T operator()(T, T) const; };
template <class T> struct greater { MARGINALIA_D T operator()(T, T) const; };
template <class T> struct less { MARGINALIA_D T operator()(T, T) const; };
}  // namespace cooperative_groups

// ---------------------------------------------------------------------------------------------
// Python C API (vLLM's REGISTER_EXTENSION).
extern "C" {
typedef struct _object { long ob_refcnt; } PyObject;
typedef struct PyModuleDef_Base { int dummy; } PyModuleDef_Base;
struct PyModuleDef { PyModuleDef_Base m_base; const char* m_name; const char* m_doc; long m_size; void* m_methods; };
PyObject* PyModule_Create(struct PyModuleDef*);
}
#define PyModuleDef_HEAD_INIT {0}
#define PyMODINIT_FUNC extern "C" PyObject*

// ---------------------------------------------------------------------------------------------
// c10 / ATen / torch stand-ins.
namespace c10 {
enum class ScalarType : signed char {
  Byte, Char, Short, Int, Long, Half, Float, Double, ComplexHalf, ComplexFloat, ComplexDouble, Bool,
  QInt8, QUInt8, QInt32, BFloat16, QUInt4x2, QUInt2x4, Bits1x8, Bits2x4, Bits4x2, Bits8, Bits16,
  Float8_e5m2, Float8_e4m3fn, Float8_e5m2fnuz, Float8_e4m3fnuz, UInt16, UInt32, UInt64, UInt1, UInt2,
  UInt3, UInt4, UInt5, UInt6, UInt7, Int1, Int2, Int3, Int4, Int5, Int6, Int7, Float8_e8m0fnu,
  Float4_e2m1fn_x2, Undefined, NumOptions
};
constexpr ScalarType kByte = ScalarType::Byte, kChar = ScalarType::Char, kShort = ScalarType::Short,
  kInt = ScalarType::Int, kLong = ScalarType::Long, kHalf = ScalarType::Half, kFloat = ScalarType::Float,
  kDouble = ScalarType::Double, kBool = ScalarType::Bool, kBFloat16 = ScalarType::BFloat16,
  kFloat8_e4m3fn = ScalarType::Float8_e4m3fn, kFloat8_e5m2 = ScalarType::Float8_e5m2,
  kFloat8_e4m3fnuz = ScalarType::Float8_e4m3fnuz, kFloat8_e5m2fnuz = ScalarType::Float8_e5m2fnuz,
  kUInt16 = ScalarType::UInt16, kUInt32 = ScalarType::UInt32, kUInt64 = ScalarType::UInt64,
  kInt8 = ScalarType::Char, kUInt8 = ScalarType::Byte, kInt16 = ScalarType::Short, kInt32 = ScalarType::Int,
  kInt64 = ScalarType::Long, kFloat16 = ScalarType::Half, kFloat32 = ScalarType::Float,
  kFloat64 = ScalarType::Double, kFloat8_e8m0fnu = ScalarType::Float8_e8m0fnu,
  kFloat4_e2m1fn_x2 = ScalarType::Float4_e2m1fn_x2, kQInt8 = ScalarType::QInt8;
const char* toString(ScalarType);
size_t elementSize(ScalarType);
bool isFloatingType(ScalarType);
bool isReducedFloatingType(ScalarType);
bool isIntegralType(ScalarType, bool);
std::ostream& operator<<(std::ostream&, ScalarType);

#define MARGINALIA_C10_FLOAT(NAME)                        \
  struct alignas(2) NAME {                                \
    unsigned short x;                                     \
    NAME() = default;                                 \
    MARGINALIA_HD NAME(float);                            \
    MARGINALIA_HD operator float() const;                 \
    struct from_bits_t {};                                \
    MARGINALIA_HD static constexpr from_bits_t from_bits() { return from_bits_t(); } \
    MARGINALIA_HD NAME(unsigned short, from_bits_t);      \
  };
MARGINALIA_C10_FLOAT(Half)
MARGINALIA_C10_FLOAT(BFloat16)
MARGINALIA_C10_FLOAT(Float8_e4m3fn)
MARGINALIA_C10_FLOAT(Float8_e5m2)
MARGINALIA_C10_FLOAT(Float8_e4m3fnuz)
MARGINALIA_C10_FLOAT(Float8_e5m2fnuz)
MARGINALIA_C10_FLOAT(Float8_e8m0fnu)
MARGINALIA_C10_FLOAT(Float4_e2m1fn_x2)
#undef MARGINALIA_C10_FLOAT
template <class T> struct complex { T real_, imag_; };
struct qint8 { signed char val_; };
struct quint8 { unsigned char val_; };

namespace impl {
template <ScalarType S> struct ScalarTypeToCPPType { using type = float; };
#define MARGINALIA_ST(S, T) template <> struct ScalarTypeToCPPType<ScalarType::S> { using type = T; };
MARGINALIA_ST(Byte, uint8_t) MARGINALIA_ST(Char, int8_t) MARGINALIA_ST(Short, int16_t)
MARGINALIA_ST(Int, int32_t) MARGINALIA_ST(Long, int64_t) MARGINALIA_ST(Half, ::c10::Half)
MARGINALIA_ST(Float, float) MARGINALIA_ST(Double, double) MARGINALIA_ST(Bool, bool)
MARGINALIA_ST(BFloat16, ::c10::BFloat16) MARGINALIA_ST(Float8_e4m3fn, ::c10::Float8_e4m3fn)
MARGINALIA_ST(Float8_e5m2, ::c10::Float8_e5m2) MARGINALIA_ST(Float8_e4m3fnuz, ::c10::Float8_e4m3fnuz)
MARGINALIA_ST(Float8_e5m2fnuz, ::c10::Float8_e5m2fnuz) MARGINALIA_ST(UInt16, uint16_t)
MARGINALIA_ST(UInt32, uint32_t) MARGINALIA_ST(UInt64, uint64_t)
#undef MARGINALIA_ST
template <ScalarType S> using ScalarTypeToCPPTypeT = typename ScalarTypeToCPPType<S>::type;
}  // namespace impl
template <class T> struct CppTypeToScalarType { static constexpr ScalarType value = ScalarType::Float; };

template <class T> using optional = std::optional<T>;
using std::nullopt;
using std::make_optional;
using nullopt_t = std::nullopt_t;
template <class T> struct ArrayRef {
  const T* data_; size_t length_;
  ArrayRef(); ArrayRef(const T&); ArrayRef(const std::vector<T>&); ArrayRef(std::initializer_list<T>);
  ArrayRef(const T*, size_t);
  const T* begin() const; const T* end() const; size_t size() const; const T* data() const; bool empty() const;
  const T& operator[](size_t) const; const T& front() const; const T& back() const;
  std::vector<T> vec() const;
};
template <class T> bool operator==(ArrayRef<T>, ArrayRef<T>);
template <class T> bool operator!=(ArrayRef<T>, ArrayRef<T>);
using IntArrayRef = ArrayRef<int64_t>;
struct SymInt { SymInt(int64_t = 0); int64_t expect_int() const; operator int64_t() const; };
using SymIntArrayRef = ArrayRef<SymInt>;
enum class DeviceType : signed char { CPU = 0, CUDA = 1, HIP = 6, XPU = 12, Meta = 9, PrivateUse1 = 20 };
constexpr DeviceType kCPU = DeviceType::CPU, kCUDA = DeviceType::CUDA, kHIP = DeviceType::HIP,
  kXPU = DeviceType::XPU, kMeta = DeviceType::Meta;
using DeviceIndex = signed char;
struct Device {
  Device(DeviceType, DeviceIndex = -1); Device(const std::string&);
  DeviceType type() const; DeviceIndex index() const; bool is_cuda() const; bool is_cpu() const;
  bool has_index() const; std::string str() const;
  bool operator==(const Device&) const; bool operator!=(const Device&) const;
};
enum class Layout : signed char { Strided, Sparse };
constexpr Layout kStrided = Layout::Strided;
enum class MemoryFormat : signed char { Contiguous, Preserve, ChannelsLast, ChannelsLast3d };
struct TypeMeta {
  ScalarType toScalarType() const; size_t itemsize() const; const char* name() const;
  operator ScalarType() const;
  template <class T> static TypeMeta Make();
  template <class T> bool Match() const;
};
bool operator==(TypeMeta, ScalarType); bool operator!=(TypeMeta, ScalarType);
bool operator==(ScalarType, TypeMeta); bool operator!=(ScalarType, TypeMeta);
struct Storage { void* data() const; void* mutable_data() const; size_t nbytes() const; };
enum class DispatchKey : unsigned short {
  Undefined, CPU, CUDA, HIP, XPU, Meta, Autograd, AutogradCPU, AutogradCUDA,
  CompositeImplicitAutograd, CompositeExplicitAutograd, CatchAll, PrivateUse1, BackendSelect
};
struct Stream { DeviceIndex device_index() const; Device device() const; int64_t id() const; };
struct intrusive_ptr_target { virtual ~intrusive_ptr_target(); };
template <class T> struct intrusive_ptr {
  intrusive_ptr(); intrusive_ptr(T*); T* operator->() const; T& operator*() const; T* get() const;
  explicit operator bool() const; template <class U> intrusive_ptr(const intrusive_ptr<U>&);
};
template <class T, class... A> intrusive_ptr<T> make_intrusive(A&&...);
struct SourceLocation { const char* function; const char* file; uint32_t line; };
struct Error : std::exception { Error(); Error(SourceLocation, std::string); const char* what() const noexcept override; };
struct ValueError : Error { using Error::Error; }; struct TypeError : Error { using Error::Error; };
struct NotImplementedError : Error { using Error::Error; }; struct IndexError : Error { using Error::Error; };
namespace cuda {
struct CUDAStream {
  CUDAStream(); operator cudaStream_t() const; cudaStream_t stream() const; DeviceIndex device_index() const;
  Device device() const; void synchronize() const; int64_t id() const; operator Stream() const;
};
CUDAStream getCurrentCUDAStream(DeviceIndex = -1);
CUDAStream getDefaultCUDAStream(DeviceIndex = -1);
CUDAStream getStreamFromPool(bool = false, DeviceIndex = -1);
void setCurrentCUDAStream(CUDAStream);
DeviceIndex current_device();
DeviceIndex device_count();
void set_device(DeviceIndex);
struct CUDAGuard { template <class... A> explicit CUDAGuard(A&&...); void set_device(Device); };
struct OptionalCUDAGuard { template <class... A> explicit OptionalCUDAGuard(A&&...); void set_device(Device); void reset(); };
struct CUDAStreamGuard { template <class... A> explicit CUDAStreamGuard(A&&...); };
struct OptionalCUDAStreamGuard { template <class... A> explicit OptionalCUDAStreamGuard(A&&...); };
void c10_cuda_check_implementation(int, const char*, const char*, int, bool);
}  // namespace cuda
}  // namespace c10

namespace caffe2 { using c10::TypeMeta; }

namespace at {
using namespace c10;
using c10::Half; using c10::BFloat16; using c10::ScalarType; using c10::Device; using c10::DeviceType;
using c10::IntArrayRef; using c10::optional; using c10::ArrayRef; using c10::TypeMeta;
struct Generator {};
struct Scalar {
  Scalar(); template <class T> Scalar(T);
  template <class T> T to() const; double toDouble() const; float toFloat() const; int64_t toLong() const;
  bool toBool() const; ScalarType type() const; bool isFloatingPoint() const; bool isIntegral(bool) const;
};
struct TensorOptions {
  TensorOptions(); template <class T> TensorOptions(T);
  template <class... A> TensorOptions dtype(A&&...) const;
  template <class... A> TensorOptions device(A&&...) const;
  template <class... A> TensorOptions layout(A&&...) const;
  template <class... A> TensorOptions requires_grad(A&&...) const;
  template <class... A> TensorOptions pinned_memory(A&&...) const;
  template <class... A> TensorOptions memory_format(A&&...) const;
  template <class... A> TensorOptions device_index(A&&...) const;
  Device device() const; TypeMeta dtype() const;
};
struct TensorIndex { template <class T> TensorIndex(T); };
struct Tensor;
struct TensorAccessorBase {};
template <class T, size_t N> struct TensorAccessor { TensorAccessor<T, N - 1> operator[](int64_t) const; T* data() const; int64_t size(int64_t) const; int64_t stride(int64_t) const; };
template <class T> struct TensorAccessor<T, 1> { T& operator[](int64_t) const; T* data() const; int64_t size(int64_t) const; int64_t stride(int64_t) const; };
template <class T, size_t N, template <class> class P = std::add_pointer_t, class I = int64_t> struct PackedTensorAccessor {
  MARGINALIA_HD decltype(std::declval<TensorAccessor<T, N>>()[0]) operator[](I) const; MARGINALIA_HD T* data() const; MARGINALIA_HD I size(I) const; MARGINALIA_HD I stride(I) const; };
template <class T, size_t N, template <class> class P = std::add_pointer_t> using PackedTensorAccessor32 = PackedTensorAccessor<T, N, P, int32_t>;
template <class T, size_t N, template <class> class P = std::add_pointer_t> using PackedTensorAccessor64 = PackedTensorAccessor<T, N, P, int64_t>;
template <class T> struct RestrictPtrTraits { typedef T* __restrict__ PtrType; };
template <class T> struct DefaultPtrTraits { typedef T* PtrType; };

// A permissive tensor: every method vLLM calls exists, most accept anything.
struct Tensor {
  Tensor(); Tensor(const Tensor&); Tensor(Tensor&&); Tensor& operator=(const Tensor&); Tensor& operator=(Tensor&&);
  template <class T> Tensor& operator=(T);
  int64_t size(int64_t) const; IntArrayRef sizes() const; c10::SymInt sym_size(int64_t) const;
  int64_t stride(int64_t) const; IntArrayRef strides() const; int64_t dim() const; int64_t ndimension() const;
  int64_t numel() const; int64_t nbytes() const; int64_t element_size() const; int64_t itemsize() const;
  int64_t storage_offset() const; Storage storage() const;
  void* data_ptr() const; template <class T> T* data_ptr() const;
  const void* const_data_ptr() const; template <class T> const T* const_data_ptr() const;
  void* mutable_data_ptr() const; template <class T> T* mutable_data_ptr() const;
  TypeMeta dtype() const; ScalarType scalar_type() const; TensorOptions options() const;
  Device device() const; Layout layout() const; int64_t get_device() const;
  bool is_cuda() const; bool is_cpu() const; bool is_meta() const; bool defined() const; bool is_contiguous(MemoryFormat = MemoryFormat::Contiguous) const;
  bool is_floating_point() const; bool requires_grad() const; bool is_pinned() const; bool is_same(const Tensor&) const;
  bool is_non_overlapping_and_dense() const; bool is_complex() const; bool is_signed() const; bool is_sparse() const;
  template <class T> T item() const; Scalar item() const;
  template <class T, size_t N> TensorAccessor<T, N> accessor() const;
  template <class T, size_t N, template <class> class P = DefaultPtrTraits, class I = int64_t> PackedTensorAccessor<T, N, P, I> packed_accessor() const;
  template <class T, size_t N, template <class> class P = DefaultPtrTraits> PackedTensorAccessor32<T, N, P> packed_accessor32() const;
  template <class T, size_t N, template <class> class P = DefaultPtrTraits> PackedTensorAccessor64<T, N, P> packed_accessor64() const;
  std::string toString() const;
  template <class... A> Tensor operator[](A&&...) const;
#define MARGINALIA_TENSOR_METHOD(M) template <class... A> Tensor M(A&&...) const; \
  Tensor M(std::initializer_list<int64_t>) const; Tensor M(std::initializer_list<TensorIndex>) const;
  MARGINALIA_TENSOR_METHOD(view) MARGINALIA_TENSOR_METHOD(reshape) MARGINALIA_TENSOR_METHOD(contiguous)
  MARGINALIA_TENSOR_METHOD(to) MARGINALIA_TENSOR_METHOD(transpose) MARGINALIA_TENSOR_METHOD(permute)
  MARGINALIA_TENSOR_METHOD(narrow) MARGINALIA_TENSOR_METHOD(slice) MARGINALIA_TENSOR_METHOD(select)
  MARGINALIA_TENSOR_METHOD(index) MARGINALIA_TENSOR_METHOD(index_put_) MARGINALIA_TENSOR_METHOD(index_select)
  MARGINALIA_TENSOR_METHOD(copy_) MARGINALIA_TENSOR_METHOD(zero_) MARGINALIA_TENSOR_METHOD(fill_)
  MARGINALIA_TENSOR_METHOD(clone) MARGINALIA_TENSOR_METHOD(detach) MARGINALIA_TENSOR_METHOD(flatten)
  MARGINALIA_TENSOR_METHOD(unsqueeze) MARGINALIA_TENSOR_METHOD(squeeze) MARGINALIA_TENSOR_METHOD(expand)
  MARGINALIA_TENSOR_METHOD(expand_as) MARGINALIA_TENSOR_METHOD(repeat) MARGINALIA_TENSOR_METHOD(t)
  MARGINALIA_TENSOR_METHOD(cpu) MARGINALIA_TENSOR_METHOD(cuda) MARGINALIA_TENSOR_METHOD(sum)
  MARGINALIA_TENSOR_METHOD(mean) MARGINALIA_TENSOR_METHOD(max) MARGINALIA_TENSOR_METHOD(min)
  MARGINALIA_TENSOR_METHOD(abs) MARGINALIA_TENSOR_METHOD(amax) MARGINALIA_TENSOR_METHOD(cumsum)
  MARGINALIA_TENSOR_METHOD(add) MARGINALIA_TENSOR_METHOD(add_) MARGINALIA_TENSOR_METHOD(sub)
  MARGINALIA_TENSOR_METHOD(sub_) MARGINALIA_TENSOR_METHOD(mul) MARGINALIA_TENSOR_METHOD(mul_)
  MARGINALIA_TENSOR_METHOD(div) MARGINALIA_TENSOR_METHOD(div_) MARGINALIA_TENSOR_METHOD(matmul)
  MARGINALIA_TENSOR_METHOD(mm) MARGINALIA_TENSOR_METHOD(bmm) MARGINALIA_TENSOR_METHOD(float_)
  MARGINALIA_TENSOR_METHOD(half) MARGINALIA_TENSOR_METHOD(bfloat16) MARGINALIA_TENSOR_METHOD(toType)
  MARGINALIA_TENSOR_METHOD(type_as) MARGINALIA_TENSOR_METHOD(view_as) MARGINALIA_TENSOR_METHOD(resize_)
  MARGINALIA_TENSOR_METHOD(as_strided) MARGINALIA_TENSOR_METHOD(split) MARGINALIA_TENSOR_METHOD(chunk)
  MARGINALIA_TENSOR_METHOD(masked_fill_) MARGINALIA_TENSOR_METHOD(scatter_) MARGINALIA_TENSOR_METHOD(gather)
  MARGINALIA_TENSOR_METHOD(topk) MARGINALIA_TENSOR_METHOD(sort) MARGINALIA_TENSOR_METHOD(argmax)
  MARGINALIA_TENSOR_METHOD(eq) MARGINALIA_TENSOR_METHOD(ne) MARGINALIA_TENSOR_METHOD(lt)
  MARGINALIA_TENSOR_METHOD(gt) MARGINALIA_TENSOR_METHOD(all) MARGINALIA_TENSOR_METHOD(any)
  MARGINALIA_TENSOR_METHOD(pow) MARGINALIA_TENSOR_METHOD(sqrt) MARGINALIA_TENSOR_METHOD(exp)
  MARGINALIA_TENSOR_METHOD(clamp) MARGINALIA_TENSOR_METHOD(clamp_) MARGINALIA_TENSOR_METHOD(neg)
  MARGINALIA_TENSOR_METHOD(reciprocal) MARGINALIA_TENSOR_METHOD(view_dtype) MARGINALIA_TENSOR_METHOD(unflatten)
  MARGINALIA_TENSOR_METHOD(new_empty) MARGINALIA_TENSOR_METHOD(new_zeros) MARGINALIA_TENSOR_METHOD(set_)
  MARGINALIA_TENSOR_METHOD(record_stream) MARGINALIA_TENSOR_METHOD(pin_memory) MARGINALIA_TENSOR_METHOD(unbind)
  MARGINALIA_TENSOR_METHOD(movedim)
#undef MARGINALIA_TENSOR_METHOD
  template <class T> Tensor operator+(const T&) const; template <class T> Tensor operator-(const T&) const;
  template <class T> Tensor operator*(const T&) const; template <class T> Tensor operator/(const T&) const;
  template <class T> Tensor& operator+=(const T&); template <class T> Tensor& operator-=(const T&);
  template <class T> Tensor& operator*=(const T&); template <class T> Tensor& operator/=(const T&);
  template <class T> Tensor operator==(const T&) const; template <class T> Tensor operator<(const T&) const;
  template <class T> Tensor operator>(const T&) const;
  Tensor operator-() const; explicit operator bool() const;
};
using TensorList = ArrayRef<Tensor>;
std::ostream& operator<<(std::ostream&, const Tensor&);
#define MARGINALIA_FREE(F) template <class... A> Tensor F(A&&...); \
  Tensor F(std::initializer_list<int64_t>, TensorOptions = {}); Tensor F(void*, std::initializer_list<int64_t>, TensorOptions = {}); \
  Tensor F(std::initializer_list<int64_t>, Scalar, TensorOptions = {}); Tensor F(std::initializer_list<int64_t>, std::initializer_list<int64_t>, TensorOptions = {});
MARGINALIA_FREE(empty) MARGINALIA_FREE(empty_like) MARGINALIA_FREE(empty_strided) MARGINALIA_FREE(empty_symint)
MARGINALIA_FREE(zeros) MARGINALIA_FREE(zeros_like) MARGINALIA_FREE(ones) MARGINALIA_FREE(ones_like)
MARGINALIA_FREE(full) MARGINALIA_FREE(full_like) MARGINALIA_FREE(arange) MARGINALIA_FREE(from_blob)
MARGINALIA_FREE(tensor) MARGINALIA_FREE(cat) MARGINALIA_FREE(stack) MARGINALIA_FREE(matmul)
MARGINALIA_FREE(mm) MARGINALIA_FREE(bmm) MARGINALIA_FREE(addmm) MARGINALIA_FREE(softmax)
MARGINALIA_FREE(where) MARGINALIA_FREE(exp) MARGINALIA_FREE(sum) MARGINALIA_FREE(max) MARGINALIA_FREE(min)
MARGINALIA_FREE(abs) MARGINALIA_FREE(clamp) MARGINALIA_FREE(randn) MARGINALIA_FREE(rand) MARGINALIA_FREE(randint)
MARGINALIA_FREE(linear) MARGINALIA_FREE(zeros_symint) MARGINALIA_FREE(sort) MARGINALIA_FREE(topk)
MARGINALIA_FREE(cumsum) MARGINALIA_FREE(argsort) MARGINALIA_FREE(index_select) MARGINALIA_FREE(scatter)
#undef MARGINALIA_FREE
std::vector<Tensor> split(const Tensor&, int64_t, int64_t = 0);
inline Tensor& operator+(Tensor& t) { return t; }
template <class T> Tensor operator*(const T&, const Tensor&);
template <class T> Tensor operator+(const T&, const Tensor&);
optional<Device> device_of(const Tensor&);
optional<Device> device_of(const optional<Tensor>&);
int get_num_threads();
void set_num_threads(int);
int get_thread_num();
template <class F> void parallel_for(int64_t, int64_t, int64_t, const F&);
struct DeviceGuard { template <class... A> explicit DeviceGuard(A&&...); };
struct OptionalDeviceGuard { template <class... A> explicit OptionalDeviceGuard(A&&...); };
struct NoGradGuard {};
struct AutoDispatchBelowAutograd {};
constexpr Layout kStrided_ = Layout::Strided;
namespace indexing { struct Slice { Slice(); template <class... A> Slice(A&&...); }; constexpr int None = 0; constexpr int Ellipsis = 1; }
namespace cuda {
using c10::cuda::CUDAStream; using c10::cuda::getCurrentCUDAStream; using c10::cuda::getDefaultCUDAStream;
using c10::cuda::getStreamFromPool; using c10::cuda::setCurrentCUDAStream;
using c10::cuda::CUDAGuard; using c10::cuda::OptionalCUDAGuard; using c10::cuda::CUDAStreamGuard;
cudaDeviceProp* getCurrentDeviceProperties();
cudaDeviceProp* getDeviceProperties(int64_t);
int getNumGPUs();
void* getCurrentCUDABlasHandle();
void* getCurrentCUDABlasLtHandle();
struct CUDAEvent { CUDAEvent(unsigned = 0); void record(); template <class S> void record(const S&); void synchronize() const; template <class S> void block(const S&); float elapsed_time(const CUDAEvent&) const; };
}  // namespace cuda
namespace native {}
}  // namespace at

namespace at { enum class Tag { needs_fixed_stride_order, pt2_compliant_tag, core, inplace_view }; }
namespace torch {
using namespace at;
using at::Tensor; using at::TensorOptions; using at::Device; using at::ScalarType;
using c10::optional; using c10::IntArrayRef; using c10::DeviceType;
using Dtype = at::ScalarType;
using c10::DispatchKey;
enum class AliasAnalysisKind { CONSERVATIVE, FROM_SCHEMA, PURE_FUNCTION };
template <class F> struct CppFunction_marginalia { F f; };
struct CppFunction {
  template <class F> explicit CppFunction(F*);
  template <class F> static CppFunction makeFromBoxedFunction();
  static CppFunction makeFallthrough();
};
template <class F> CppFunction dispatch(c10::DispatchKey, F&&);
template <class F> CppFunction dispatch(c10::DeviceType, F&&);
struct FunctionSchema {};
struct CustomClassHolder : c10::intrusive_ptr_target {};
// A library of ops; `def` declares a schema (and may bind a function), `impl` binds one.
template <class T> struct class_;
class Library {
 public:
  enum Kind { DEF, IMPL, FRAGMENT };
  Library(Kind, std::string, std::optional<c10::DispatchKey>, const char*, uint32_t);
  template <class Schema> Library& def(Schema&& schema) &;
  template <class Schema> Library& def(Schema&& schema, const std::vector<at::Tag>& tags) &;
  template <class Schema> Library& def(Schema&& schema, AliasAnalysisKind) &;
  template <class NameOrSchema, class Func> Library& def(NameOrSchema&& name, Func&& fn, const std::vector<at::Tag>& tags = {}) &;
  template <class Name, class Func> Library& impl(Name&& name, Func&& fn) &;
  template <class Name, class Key, class Func> Library& impl(Name&& name, Key&& key, Func&& fn) &;
  template <class Func> Library& fallback(Func&& fn) &;
  template <class C> ::torch::class_<C> class_(const std::string&);
};
template <class T> struct class_ {
  class_(const std::string&, const std::string&, std::string = "");
  template <class... A> class_& def(A&&...);
  template <class... A> class_& def_static(A&&...);
  template <class... A> class_& def_readwrite(A&&...);
  template <class... A> class_& def_pickle(A&&...);
  template <class... A> class_& def_property(A&&...);
};
template <class... A> struct init_t {};
template <class... A> init_t<A...> init();
template <class F> CppFunction_marginalia<F> TORCH_FN_marginalia(F);
namespace stable {
using Tensor = ::at::Tensor;
using Library = ::torch::Library;
using Device = ::c10::Device;
using DeviceGuard = ::at::DeviceGuard;
template <class... A> Tensor empty(A&&...);
template <class... A> Tensor empty_like(A&&...);
template <class... A> Tensor zeros(A&&...);
template <class... A> Tensor new_empty(A&&...);
template <class... A> Tensor new_zeros(A&&...);
template <class... A> Tensor narrow(A&&...);
template <class... A> Tensor view(A&&...);
template <class... A> Tensor transpose(A&&...);
template <class... A> Tensor contiguous(A&&...);
template <class... A> Tensor copy_(A&&...);
template <class... A> Tensor fill_(A&&...);
template <class... A> Tensor zero_(A&&...);
template <class... A> Tensor to(A&&...);
template <class... A> Tensor reshape(A&&...);
template <class... A> Tensor flatten(A&&...);
template <class... A> Tensor clone(A&&...);
namespace accelerator { struct DeviceGuard { template <class... A> explicit DeviceGuard(A&&...); }; cudaStream_t getCurrentStream(int = -1); int getCurrentDeviceIndex(); }
}  // namespace stable
namespace headeronly { using ::c10::ScalarType; using ::c10::Half; using ::c10::BFloat16; using ::c10::Float8_e4m3fn; using ::c10::Float8_e5m2;
using ::c10::DeviceType; namespace kernels {} }
namespace jit {}
}  // namespace torch
namespace c10 { struct IValue { template <class T> IValue(T); template <class T> T to() const; }; }

namespace pybind11 {
struct handle {}; struct object : handle {};
struct arg { arg(const char*); template <class T> arg& operator=(T); };
struct module_ : object {
  module_(const char*); template <class F, class... Extra> module_& def(const char* name, F&& f, const Extra&... extra);
  module_ def_submodule(const char*, const char* = nullptr); template <class T> module_& attr(const char*);
};
using module = module_;
template <class T, class... O> struct class_ : object {
  template <class... A> class_(handle, const char*, A&&...);
  template <class F, class... E> class_& def(const char*, F&&, const E&...);
  template <class... A> class_& def(A&&...);
  template <class... A> class_& def_readwrite(A&&...);
  template <class... A> class_& def_readonly(A&&...);
  template <class... A> class_& def_property(A&&...);
};
template <class... A> struct init_t {}; template <class... A> init_t<A...> init();
namespace literals {}
}  // namespace pybind11
namespace py = pybind11;

namespace marginalia_detail {
template <class... A> [[noreturn]] void check_fail(A&&...);
template <class... A> void check_msg(A&&...);
template <class T> ::c10::ScalarType scalar_type_of(const T&);
inline ::c10::ScalarType scalar_type_of(::c10::ScalarType t) { return t; }
inline ::c10::ScalarType scalar_type_of(::c10::TypeMeta t) { return t.toScalarType(); }
inline const char* cuda_error_string(cudaError_t e) { return cudaGetErrorString(e); }
}  // namespace marginalia_detail

#define TORCH_CHECK(cond, ...) \
  if (!(cond)) { ::marginalia_detail::check_fail("", ##__VA_ARGS__); }
#define STD_TORCH_CHECK(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define STD_TORCH_CHECK_NOT_IMPLEMENTED(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_CHECK_NOT_IMPLEMENTED(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_CHECK_VALUE(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_CHECK_TYPE(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_CHECK_INDEX(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_INTERNAL_ASSERT(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_INTERNAL_ASSERT_DEBUG_ONLY(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define TORCH_WARN(...) ::marginalia_detail::check_msg(__VA_ARGS__)
#define TORCH_WARN_ONCE(...) ::marginalia_detail::check_msg(__VA_ARGS__)
#define STD_TORCH_WARN(...) ::marginalia_detail::check_msg(__VA_ARGS__)
#define AT_ERROR(...) ::marginalia_detail::check_fail(__VA_ARGS__)
#define AT_ASSERT(cond, ...) TORCH_CHECK(cond, ##__VA_ARGS__)
#define C10_CUDA_CHECK(expr) ((void)(expr))
#define C10_CUDA_KERNEL_LAUNCH_CHECK() ((void)0)
#define AT_CUDA_CHECK(expr) ((void)(expr))
#define C10_CUDA_CHECK_WARN(expr) ((void)(expr))
#define C10_LIKELY(x) (x)
#define C10_UNLIKELY(x) (x)
#define C10_HOST_DEVICE __host__ __device__
#define C10_DEVICE __device__
#define C10_HOST __host__
#define C10_ALWAYS_INLINE inline
#define C10_UNUSED
#define C10_API
#define TORCH_API
#define C10_MACRO_EXPAND(x) x
#define C10_STRINGIZE(x) #x
#define TORCH_FN(f) (f)
#define TORCH_BOX(f) (f)
#define TORCH_SELECTIVE_SCHEMA(s) (s)
#define TORCH_SELECTIVE_NAME(s) (s)
#define C10_WARP_SIZE 32
#define AT_CUDA_DRIVER_CHECK(x) ((void)(x))

// Dispatch macros, faithful enough for `scalar_t` lambdas.
#define AT_DISPATCH_CASE(enum_type, ...)                                           \
  case enum_type: {                                                                \
    using scalar_t [[maybe_unused]] = ::c10::impl::ScalarTypeToCPPTypeT<enum_type>; \
    return __VA_ARGS__();                                                          \
  }
#define AT_DISPATCH_SWITCH(TYPE, NAME, ...)                                        \
  [&] {                                                                            \
    const ::c10::ScalarType _st = ::marginalia_detail::scalar_type_of(TYPE);      \
    switch (_st) {                                                                 \
      __VA_ARGS__                                                                  \
      default:                                                                     \
        ::marginalia_detail::check_fail(NAME);                                     \
    }                                                                              \
  }()
#define AT_DISPATCH_CASE_FLOATING_TYPES(...) \
  AT_DISPATCH_CASE(::c10::ScalarType::Double, __VA_ARGS__) AT_DISPATCH_CASE(::c10::ScalarType::Float, __VA_ARGS__)
#define AT_DISPATCH_FLOATING_TYPES(TYPE, NAME, ...) \
  AT_DISPATCH_SWITCH(TYPE, NAME, AT_DISPATCH_CASE_FLOATING_TYPES(__VA_ARGS__))
#define AT_DISPATCH_FLOATING_TYPES_AND_HALF(TYPE, NAME, ...)                          \
  AT_DISPATCH_SWITCH(TYPE, NAME, AT_DISPATCH_CASE_FLOATING_TYPES(__VA_ARGS__)         \
                     AT_DISPATCH_CASE(::c10::ScalarType::Half, __VA_ARGS__))
#define AT_DISPATCH_FLOATING_TYPES_AND(T1, TYPE, NAME, ...) \
  AT_DISPATCH_SWITCH(TYPE, NAME, AT_DISPATCH_CASE_FLOATING_TYPES(__VA_ARGS__) AT_DISPATCH_CASE(T1, __VA_ARGS__))
#define AT_DISPATCH_FLOATING_TYPES_AND2(T1, T2, TYPE, NAME, ...)                              \
  AT_DISPATCH_SWITCH(TYPE, NAME, AT_DISPATCH_CASE_FLOATING_TYPES(__VA_ARGS__)                 \
                     AT_DISPATCH_CASE(T1, __VA_ARGS__) AT_DISPATCH_CASE(T2, __VA_ARGS__))
#define AT_DISPATCH_REDUCED_FLOATING_TYPES(TYPE, NAME, ...)                                   \
  AT_DISPATCH_SWITCH(TYPE, NAME, AT_DISPATCH_CASE(::c10::ScalarType::Half, __VA_ARGS__)       \
                     AT_DISPATCH_CASE(::c10::ScalarType::BFloat16, __VA_ARGS__))
#define AT_DISPATCH_CASE_INTEGRAL_TYPES(...)                                                  \
  AT_DISPATCH_CASE(::c10::ScalarType::Byte, __VA_ARGS__) AT_DISPATCH_CASE(::c10::ScalarType::Char, __VA_ARGS__) \
  AT_DISPATCH_CASE(::c10::ScalarType::Short, __VA_ARGS__) AT_DISPATCH_CASE(::c10::ScalarType::Int, __VA_ARGS__) \
  AT_DISPATCH_CASE(::c10::ScalarType::Long, __VA_ARGS__)
#define AT_DISPATCH_INTEGRAL_TYPES(TYPE, NAME, ...) \
  AT_DISPATCH_SWITCH(TYPE, NAME, AT_DISPATCH_CASE_INTEGRAL_TYPES(__VA_ARGS__))
#define AT_DISPATCH_ALL_TYPES(TYPE, NAME, ...) \
  AT_DISPATCH_SWITCH(TYPE, NAME, AT_DISPATCH_CASE_INTEGRAL_TYPES(__VA_ARGS__) AT_DISPATCH_CASE_FLOATING_TYPES(__VA_ARGS__))
#define AT_DISPATCH_ALL_TYPES_AND2(T1, T2, TYPE, NAME, ...)                                      \
  AT_DISPATCH_SWITCH(TYPE, NAME, AT_DISPATCH_CASE_INTEGRAL_TYPES(__VA_ARGS__)                    \
                     AT_DISPATCH_CASE_FLOATING_TYPES(__VA_ARGS__) AT_DISPATCH_CASE(T1, __VA_ARGS__) \
                     AT_DISPATCH_CASE(T2, __VA_ARGS__))
#define AT_DISPATCH_INDEX_TYPES(TYPE, NAME, ...)                                               \
  [&] {                                                                                        \
    switch (::marginalia_detail::scalar_type_of(TYPE)) {                                       \
      case ::c10::ScalarType::Int: { using index_t [[maybe_unused]] = int32_t; return __VA_ARGS__(); } \
      default: { using index_t [[maybe_unused]] = int64_t; return __VA_ARGS__(); }             \
    }                                                                                          \
  }()
#define THO_DISPATCH_SWITCH AT_DISPATCH_SWITCH
#define THO_DISPATCH_CASE AT_DISPATCH_CASE

// Registration blocks. The function names carry kind, namespace and dispatch key (see the top).
#define MARGINALIA_UID_CAT2(a, b) a##b
#define MARGINALIA_UID_CAT(a, b) MARGINALIA_UID_CAT2(a, b)
#define MARGINALIA_BLOCK(base, LibT, m) static void MARGINALIA_UID_CAT(base##__uid, __COUNTER__)(LibT& m)
#define TORCH_LIBRARY(ns, m) MARGINALIA_BLOCK(TORCH_LIBRARY_init__##ns, ::torch::Library, m)
#define TORCH_LIBRARY_FRAGMENT(ns, m) MARGINALIA_BLOCK(TORCH_LIBRARY_FRAGMENT_init__##ns, ::torch::Library, m)
#define TORCH_LIBRARY_IMPL(ns, k, m) MARGINALIA_BLOCK(TORCH_LIBRARY_IMPL_init__##ns##__##k, ::torch::Library, m)
#define STABLE_TORCH_LIBRARY(ns, m) MARGINALIA_BLOCK(STABLE_TORCH_LIBRARY_init__##ns, ::torch::Library, m)
#define STABLE_TORCH_LIBRARY_FRAGMENT(ns, m) MARGINALIA_BLOCK(STABLE_TORCH_LIBRARY_FRAGMENT_init__##ns, ::torch::Library, m)
#define STABLE_TORCH_LIBRARY_IMPL(ns, k, m) MARGINALIA_BLOCK(STABLE_TORCH_LIBRARY_IMPL_init__##ns##__##k, ::torch::Library, m)
#define PYBIND11_MODULE(name, m) MARGINALIA_BLOCK(PYBIND11_MODULE_init__##name, ::pybind11::module_, m)
