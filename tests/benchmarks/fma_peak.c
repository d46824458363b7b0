/*
 * The machine's float32 FMA peak: independent fused multiply-add chains on 1..N threads, in GFLOP/s (an FMA
 * counts 2). compare.py rates the MLP and LeNet-5 training steps as a fraction of it.
 *
 * Build and run (run-all.sh does this):
 *   clang-19 -O3 -march=native -pthread -o tests/benchmarks/out/fma_peak tests/benchmarks/fma_peak.c
 *   tests/benchmarks/out/fma_peak [--quick] [THREADS...]      (default threads: 1 2)
 *
 * The widest vectors the build targets: AVX-512 (16 floats, 24 accumulators of the 32 registers) when
 * -march=native has it, else AVX2 with FMA (8 floats, 12 of the 16 registers). Twelve chains cover an FMA
 * latency of 4 cycles on two pipes with room to spare (Zen 3, Skylake), twenty-four the same for 512-bit
 * pipes. Each chain computes acc = acc * m + a with m just below 1, so the values settle near 1 and never
 * become denormal or infinite. Each thread is pinned to its own CPU where the OS allows.
 *
 * Prints one JSON line per thread count on stdout:
 *   {"suite":"fma","threads":N,"name":"fma_peak_gflops","unit":"GFLOP/s","value":...,"isa":"avx2","accumulators":12}
 * Timing: CLOCK_MONOTONIC from a barrier to the last thread's end, best of 5 repeats.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define ISA "avx512"
#define LANES 16
#define ACCS 24
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define STORE _mm512_storeu_ps
#elif defined(__AVX2__) && defined(__FMA__)
typedef __m256 vec;
#define ISA "avx2"
#define LANES 8
#define ACCS 12
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define STORE _mm256_storeu_ps
#else
#error "fma_peak needs AVX2 with FMA or AVX-512 (build with -march=native on such a CPU)"
#endif

#define REPEATS 5

typedef struct {
    long iterations;
    int cpu;
    pthread_barrier_t *start;
    float sink;
} job;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ACCS independent chains, ACCS FMAs per iteration; the loop keeps every accumulator in a register. */
static float chains(long iterations, float seed)
{
    vec acc[ACCS];
    const vec m = SET1(0.9999999f), a = SET1(1e-7f);
    for (int i = 0; i < ACCS; i++) acc[i] = SET1(seed + (float)i);
    for (long n = 0; n < iterations; n++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < ACCS; i++) acc[i] = FMA(acc[i], m, a);
    }
    vec sum = acc[0];
    for (int i = 1; i < ACCS; i++) sum = ADD(sum, acc[i]);
    float lanes[LANES];
    STORE(lanes, sum);
    float s = 0;
    for (int i = 0; i < LANES; i++) s += lanes[i];
    return s;
}

static void *run(void *arg)
{
    job *j = arg;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(j->cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
    pthread_barrier_wait(j->start);
    j->sink = chains(j->iterations, (float)j->cpu);
    return NULL;
}

static double gflops(int threads, long iterations, double *sink)
{
    pthread_t ids[threads];
    job jobs[threads];
    pthread_barrier_t start;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double best = 0;
    for (int r = 0; r < REPEATS; r++) {
        pthread_barrier_init(&start, NULL, (unsigned)threads + 1);
        for (int t = 0; t < threads; t++) {
            jobs[t] = (job){ .iterations = iterations, .cpu = (int)(t % (cpus > 0 ? cpus : 1)), .start = &start };
            pthread_create(&ids[t], NULL, run, &jobs[t]);
        }
        pthread_barrier_wait(&start);
        double t0 = now_s();
        for (int t = 0; t < threads; t++) pthread_join(ids[t], NULL);
        double seconds = now_s() - t0;
        pthread_barrier_destroy(&start);
        for (int t = 0; t < threads; t++) *sink += jobs[t].sink;
        double rate = 2.0 * ACCS * LANES * (double)iterations * threads / seconds / 1e9;
        if (rate > best) best = rate;
    }
    return best;
}

int main(int argc, char **argv)
{
    long iterations = 100000000L;
    int threads[16], count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) iterations = 20000000L;
        else if (count < 16 && atoi(argv[i]) > 0) threads[count++] = atoi(argv[i]);
        else { fprintf(stderr, "usage: %s [--quick] [THREADS...]\n", argv[0]); return 2; }
    }
    if (count == 0) { threads[0] = 1; threads[1] = 2; count = 2; }
    double sink = 0;
    for (int i = 0; i < count; i++) {
        double rate = gflops(threads[i], iterations, &sink);
        printf("{\"suite\":\"fma\",\"threads\":%d,\"name\":\"fma_peak_gflops\",\"unit\":\"GFLOP/s\",\"value\":%.3f,"
               "\"isa\":\"%s\",\"accumulators\":%d}\n", threads[i], rate, ISA, ACCS);
        fflush(stdout);
    }
    fprintf(stderr, "fma_peak checksum %g\n", sink);
    return 0;
}
