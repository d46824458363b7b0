// cn_emulation.h: runs the project's CUDA C on the CPU, for verification on machines without a GPU.
//
// Build a generated translation unit with
//     g++ -std=c++20 -O2 -pthread -x c++ -include cn_emulation.h -c kernels.cu
// (add -shared -fPIC for a library). Every `extern "C" __global__` wrapper followed by
// CN_ENTRY(name) gets a C entry `name_entry(void** params)`, and `cn_launch` runs it with the
// same arguments as cuLaunchKernel (grid, block, shared bytes, `void**` params). The same
// harness built with -fsanitize=thread or -fsanitize=address,undefined checks for races and
// out-of-bounds accesses.
//
// Model (faithful enough to expose missing barriers and bounds checks, not a GPU simulator):
//  - every CUDA thread of a block is an OS thread (std::jthread) kept for the whole launch;
//    blocks run one after another, each thread looping over the grid in the same order;
//  - threadIdx/blockIdx/blockDim/gridDim are thread_local;
//  - __syncthreads() is a std::barrier over the block's threads; the same barrier also ends each
//    block, so the next block cannot touch shared memory while this one still reads it;
//  - __shared__ is `static`: one object, used by exactly the threads of the running block; it
//    keeps its values between blocks (a GPU does not promise either way: don't rely on it);
//  - dynamic shared memory is one heap buffer of exactly the launch's shared bytes, filled
//    with NaN bytes at the start of the launch (reads before writes show up as NaN);
//  - a warp is the group of 32 consecutive linear thread ids; shuffles go through a per-warp
//    exchange buffer between two waits on a per-warp barrier, so every lane of the warp must
//    reach every shuffle (masks are ignored); warps are not lockstep: warp-synchronous code
//    needs __syncwarp() here as on Volta and later;
//  - atomics are std::atomic_ref; math is <math.h>;
//  - launches are serialised (one stream): concurrent cn_launch calls wait for each other.
// Not emulated: ballot/vote, half/bf16, vector types, cooperative groups, textures, streams.
// A thread returning early while others still call __syncthreads() deadlocks here (undefined
// behaviour on a GPU): run the harness under a timeout.
#pragma once

#include <atomic>
#include <barrier>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <latch>
#include <math.h>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

// ---- CUDA keywords: plain C++ on the CPU ----
#define __global__
#define __device__
#define __host__
#define __constant__
#define __shared__ static
#define __forceinline__ inline
#define __launch_bounds__(...)

// ---- Builtin variables ----
struct uint3 { unsigned x, y, z; };
struct dim3 { unsigned x = 1, y = 1, z = 1; };

inline thread_local uint3 threadIdx{};
inline thread_local uint3 blockIdx{};
inline thread_local dim3 blockDim{};
inline thread_local dim3 gridDim{};
inline constexpr int warpSize = 32;

namespace cn_emu {

// One warp's shuffle exchange: a slot per lane and a barrier over the warp's live lanes.
struct Warp
{
    explicit Warp(int lanes) : lanes(lanes), sync(lanes) {}
    const int lanes;
    std::barrier<> sync;
    std::uint32_t slot[32] = {};
};

// The state shared by the threads of the running block.
struct Block
{
    Block(unsigned threads, unsigned sharedBytes)
        : sync(threads), dynamicShared(new std::byte[sharedBytes])
    {
        std::memset(dynamicShared.get(), 0xff, sharedBytes);
        for (unsigned first = 0; first < threads; first += 32)
            warps.push_back(std::make_unique<Warp>(static_cast<int>(threads - first < 32 ? threads - first : 32)));
    }
    std::barrier<> sync;
    std::unique_ptr<std::byte[]> dynamicShared;  // exactly the launch's size, so ASan sees an overrun
    std::vector<std::unique_ptr<Warp>> warps;
};

struct ThreadState
{
    Block* block;
    Warp* warp;
    int lane;
};

inline thread_local ThreadState self{};

inline std::byte* dynamic_shared() { return self.block->dynamicShared.get(); }

// Every lane publishes its value, waits, reads lane `source`'s, and waits again so that no lane
// overwrites its slot (at the next shuffle) before every lane has read it.
template <class T>
T exchange(T value, int source)
{
    static_assert(sizeof(T) == sizeof(std::uint32_t), "shuffles move 32-bit values");
    Warp& warp = *self.warp;
    if (source < 0 || source >= warp.lanes) source = self.lane;  // undefined on a GPU; own value here
    std::memcpy(&warp.slot[self.lane], &value, sizeof value);
    warp.sync.arrive_and_wait();
    T result;
    std::memcpy(&result, &warp.slot[source], sizeof result);
    warp.sync.arrive_and_wait();
    return result;
}

// Source lanes as CUDA defines them for segments of `width` lanes (a power of two ≤ 32).
inline int idx_source(int lane, int srcLane, int width) { return (lane & ~(width - 1)) | (srcLane & (width - 1)); }
inline int down_source(int lane, unsigned delta, int width)
{
    int source = lane + static_cast<int>(delta);
    return source < (lane & ~(width - 1)) + width ? source : lane;  // beyond the segment: own value
}
inline int xor_source(int lane, int laneMask, int width)
{
    int source = lane ^ laneMask;
    return source < (lane & ~(width - 1)) + width ? source : lane;  // a later segment: own value
}

// Calls `kernel` with each argument read from params[i], as cuLaunchKernel passes them.
template <class... A>
void invoke(void (*kernel)(A...), void** params)
{
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        kernel(*static_cast<std::remove_cvref_t<A>*>(params[I])...);
    }(std::index_sequence_for<A...>{});
}

}  // namespace cn_emu

// ---- Barriers, shuffles, atomics ----
inline void __syncthreads() { cn_emu::self.block->sync.arrive_and_wait(); }
inline void __syncwarp(unsigned = 0xffffffffu) { cn_emu::self.warp->sync.arrive_and_wait(); }

inline float __shfl_sync(unsigned, float v, int srcLane, int width = 32)
{ return cn_emu::exchange(v, cn_emu::idx_source(cn_emu::self.lane, srcLane, width)); }
inline int __shfl_sync(unsigned, int v, int srcLane, int width = 32)
{ return cn_emu::exchange(v, cn_emu::idx_source(cn_emu::self.lane, srcLane, width)); }
inline float __shfl_down_sync(unsigned, float v, unsigned delta, int width = 32)
{ return cn_emu::exchange(v, cn_emu::down_source(cn_emu::self.lane, delta, width)); }
inline int __shfl_down_sync(unsigned, int v, unsigned delta, int width = 32)
{ return cn_emu::exchange(v, cn_emu::down_source(cn_emu::self.lane, delta, width)); }
inline float __shfl_xor_sync(unsigned, float v, int laneMask, int width = 32)
{ return cn_emu::exchange(v, cn_emu::xor_source(cn_emu::self.lane, laneMask, width)); }
inline int __shfl_xor_sync(unsigned, int v, int laneMask, int width = 32)
{ return cn_emu::exchange(v, cn_emu::xor_source(cn_emu::self.lane, laneMask, width)); }

inline float atomicAdd(float* p, float v) { return std::atomic_ref<float>(*p).fetch_add(v); }
inline int atomicAdd(int* p, int v) { return std::atomic_ref<int>(*p).fetch_add(v); }

// ---- The project's portability macros (same meaning as in cn_prelude.h and cn_nvrtc.h) ----
#define CN_DYNAMIC_SHARED(type, name) type* const name = reinterpret_cast<type*>(cn_emu::dynamic_shared())
#define CN_ENTRY(kernel) \
    extern "C" __attribute__((visibility("default"))) void kernel##_entry(void** params) { cn_emu::invoke(kernel, params); }

// ---- Launch API, mirroring cuLaunchKernel ----
extern "C" {

typedef void (*cn_kernel_entry)(void** params);

// Runs `entry` over the grid; returns 0 (CUDA_SUCCESS), 1 (CUDA_ERROR_INVALID_VALUE: a dimension
// out of CUDA's limits, or more than the default 48 KiB of dynamic shared memory) or 701
// (CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES: the block's threads could not be started). `inline` with
// `used`: the header can be in several translation units and still exports one definition.
__attribute__((used, visibility("default"))) inline int cn_launch(cn_kernel_entry entry,
    unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX, unsigned blockY, unsigned blockZ,
    unsigned sharedBytes, void** params)
{
    const unsigned long threads = static_cast<unsigned long>(blockX) * blockY * blockZ;
    if (entry == nullptr || gridX == 0 || gridY == 0 || gridZ == 0 || gridY > 65535 || gridZ > 65535
        || threads == 0 || threads > 1024 || blockX > 1024 || blockY > 1024 || blockZ > 64 || sharedBytes > 48 * 1024)
        return 1;

    // One launch at a time, as on one stream: `static` shared memory is one object per program.
    static std::mutex serial;
    const std::lock_guard<std::mutex> lock(serial);
    cn_emu::Block block(static_cast<unsigned>(threads), sharedBytes);
    std::latch start(1);               // no thread enters the kernel until all exist
    std::atomic<bool> cancelled{false};
    auto body = [&](unsigned t) {
        start.wait();
        if (cancelled.load()) return;
        threadIdx = {t % blockX, (t / blockX) % blockY, t / (blockX * blockY)};
        blockDim = {blockX, blockY, blockZ};
        gridDim = {gridX, gridY, gridZ};
        cn_emu::self = {&block, block.warps[t / 32].get(), static_cast<int>(t % 32)};
        for (unsigned z = 0; z < gridZ; ++z)
            for (unsigned y = 0; y < gridY; ++y)
                for (unsigned x = 0; x < gridX; ++x)
                {
                    blockIdx = {x, y, z};
                    entry(params);
                    block.sync.arrive_and_wait();  // the block is over before the next one starts
                }
    };
    std::vector<std::jthread> pool;  // joined when it goes out of scope, before `block`
    pool.reserve(threads);
    try
    {
        for (unsigned t = 0; t < threads; ++t) pool.emplace_back(body, t);
    }
    catch (const std::system_error&)
    {
        cancelled = true;
        start.count_down();
        return 701;
    }
    start.count_down();
    return 0;
}

}  // extern "C"
