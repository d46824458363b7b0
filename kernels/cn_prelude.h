// cn_prelude.h: what clang's CUDA front end needs, with no CUDA SDK, to compile the kernels to PTX.
//
// Used only for the PTX check (`clang-19 -x cuda --cuda-device-only -nocudainc -nocudalib
// -include cn_prelude.h`). NVRTC provides all of this itself; under NVRTC the runtime prepends
// cn_nvrtc.h instead, which defines only the CN_* macros below. Anything a kernel uses that NVRTC
// provides and this file lacks is a gap in this file, not a kernel bug: add it here.
//
// The math helpers are written over approximate NVVM instructions. They are never executed (the
// PTX is only checked, not run): they exist so that the kernels compile without libdevice, and
// they must not leave an unresolved `.extern .func` in the PTX.
#pragma once

// ---- CUDA attribute keywords as clang's attributes ----
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __host__ __attribute__((host))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))

// threadIdx, blockIdx, blockDim, gridDim, warpSize: clang's own resource header.
#include <__clang_cuda_builtin_vars.h>

// ---- The project's portability macros (same meaning in cn_nvrtc.h and cn_emulation.h) ----

// Dynamic shared memory (the launch's shared-bytes argument): the emulation cannot use
// `extern __shared__`, so kernels declare it through this macro.
#define CN_DYNAMIC_SHARED(type, name) extern __shared__ type name[]

// After each `extern "C" __global__` wrapper: nothing on the GPU; the emulation turns it into a
// C entry point that unpacks cuLaunchKernel-style `void** params`.
#define CN_ENTRY(kernel)

// ---- Barriers, warp shuffles and atomics over NVVM builtins (as clang's __clang_cuda_intrinsics.h) ----
// __syncthreads() is a clang builtin already.

static __device__ __forceinline__ void __syncwarp(unsigned mask = 0xffffffffu) { __nvvm_bar_warp_sync(mask); }

// The last operand packs the segment width: bits 8..12 hold 32 − width, bits 0..4 the lane clamp.
static __device__ __forceinline__ float __shfl_sync(unsigned mask, float v, int lane, int width = 32)
{ return __nvvm_shfl_sync_idx_f32(mask, v, lane, ((32 - width) << 8) | 0x1f); }
static __device__ __forceinline__ int __shfl_sync(unsigned mask, int v, int lane, int width = 32)
{ return __nvvm_shfl_sync_idx_i32(mask, v, lane, ((32 - width) << 8) | 0x1f); }
static __device__ __forceinline__ float __shfl_down_sync(unsigned mask, float v, unsigned delta, int width = 32)
{ return __nvvm_shfl_sync_down_f32(mask, v, delta, ((32 - width) << 8) | 0x1f); }
static __device__ __forceinline__ int __shfl_down_sync(unsigned mask, int v, unsigned delta, int width = 32)
{ return __nvvm_shfl_sync_down_i32(mask, v, delta, ((32 - width) << 8) | 0x1f); }
static __device__ __forceinline__ float __shfl_xor_sync(unsigned mask, float v, int laneMask, int width = 32)
{ return __nvvm_shfl_sync_bfly_f32(mask, v, laneMask, ((32 - width) << 8) | 0x1f); }
static __device__ __forceinline__ int __shfl_xor_sync(unsigned mask, int v, int laneMask, int width = 32)
{ return __nvvm_shfl_sync_bfly_i32(mask, v, laneMask, ((32 - width) << 8) | 0x1f); }

static __device__ __forceinline__ float atomicAdd(float* p, float v) { return __nvvm_atom_add_gen_f(p, v); }
static __device__ __forceinline__ int atomicAdd(int* p, int v) { return __nvvm_atom_add_gen_i(p, v); }

// ---- Single-precision math (no libdevice here) ----
// A __device__-only definition is not treated as the C library builtin by clang, so these calls
// stay ordinary calls, inlined, rather than becoming libcalls that NVPTX cannot lower.

static __device__ __forceinline__ float fabsf(float x) { return __nvvm_fabs_f(x); }
static __device__ __forceinline__ float fmaxf(float a, float b) { return __nvvm_fmax_f(a, b); }
static __device__ __forceinline__ float fminf(float a, float b) { return __nvvm_fmin_f(a, b); }
static __device__ __forceinline__ float sqrtf(float x) { return __nvvm_sqrt_rn_f(x); }
static __device__ __forceinline__ float expf(float x) { return __nvvm_ex2_approx_f(x * 1.4426950408889634f); }  // 2^(x log2 e)
static __device__ __forceinline__ float logf(float x) { return __nvvm_lg2_approx_f(x) * 0.6931471805599453f; }  // log2(x) ln 2
static __device__ __forceinline__ float powf(float x, float y) { return __nvvm_ex2_approx_f(y * __nvvm_lg2_approx_f(x)); }  // 2^(y log2 x), x > 0
static __device__ __forceinline__ float cosf(float x) { return __nvvm_cos_approx_f(x); }
// 1 − 2 / (e^(2x) + 1) saturates at ±1 when e^(2x) over- or underflows (as the C# kernels do).
static __device__ __forceinline__ float tanhf(float x) { return 1.0f - 2.0f / (expf(2.0f * x) + 1.0f); }
