// generated_harness.cpp: runs a generated network's launch sequences on the CPU emulation, standalone,
// so that the same code can run under ThreadSanitizer and AddressSanitizer + UBSan (which cannot run
// inside the dotnet process). Built together with a network's CudaSource:
//     g++ -std=c++20 -O1 -pthread -rdynamic -fsanitize=... -x c++ -include cn_emulation.h -DCN_BATCH=B net.cu
//         -x none generated_harness.cpp -ldl
// Usage: harness LAUNCHES
// LAUNCHES holds the twelve arena lengths in floats (P G A D S Z X T W L O K, the order of CN_ARENAS) on its
// first line, then one launch per line: kernel gridX gridY blockX blockY sharedBytes, or `zero ARENA` (the
// arena's index), which zeroes that arena as CudaNetworkRunner's cuMemsetD32Async zeroes the gradients (1)
// before the backward launches (the gradient kernels add to them). Each arena is its own exact-size heap
// allocation, so a kernel reading or writing past its arena is reported by AddressSanitizer.
// Exits 0 when every launch returned CUDA_SUCCESS.
#include <dlfcn.h>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

int main(int argc, char** argv)
{
    if (argc != 2) { std::fprintf(stderr, "usage: %s LAUNCHES\n", argv[0]); return 2; }
    std::ifstream in(argv[1]);
    long lengths[12];
    for (long& n : lengths) if (!(in >> n) || n < 0) { std::fprintf(stderr, "bad arena lengths\n"); return 2; }

    // Values in (0.05, 0.95): valid probabilities, targets, weights, variances and optimizer states alike.
    std::mt19937 random(12345);
    std::uniform_real_distribution<float> uniform(0.05f, 0.95f);
    std::vector<std::unique_ptr<float[]>> arenas;
    void* slots[12];
    void* params[12];
    for (int i = 0; i < 12; ++i)
    {
        arenas.emplace_back(lengths[i] > 0 ? new float[lengths[i]] : nullptr);
        for (long j = 0; j < lengths[i]; ++j) arenas[i][j] = uniform(random);
        slots[i] = arenas[i].get();
        params[i] = &slots[i];
    }

    std::string kernel;
    unsigned gx, gy, bx, by, shared;
    int launches = 0, zeroed = 0;
    while (in >> kernel)
    {
        if (kernel == "zero")
        {
            int arena;
            if (!(in >> arena) || arena < 0 || arena >= 12) { std::fprintf(stderr, "bad zero line\n"); return 2; }
            std::fill_n(arenas[arena].get(), lengths[arena], 0.0f);
            ++zeroed;
            continue;
        }
        if (!(in >> gx >> gy >> bx >> by >> shared)) { std::fprintf(stderr, "bad launch line for %s\n", kernel.c_str()); return 2; }
        auto entry = reinterpret_cast<cn_kernel_entry>(dlsym(RTLD_DEFAULT, (kernel + "_entry").c_str()));
        if (entry == nullptr) { std::fprintf(stderr, "no entry for kernel %s\n", kernel.c_str()); return 1; }
        int result = cn_launch(entry, gx, gy, 1, bx, by, 1, shared, params);
        if (result != 0) { std::fprintf(stderr, "cn_launch(%s) returned %d\n", kernel.c_str(), result); return 1; }
        ++launches;
    }
    std::printf("%d launches ran, %d arena%s zeroed\n", launches, zeroed, zeroed == 1 ? "" : "s");
    return 0;
}
