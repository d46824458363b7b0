/*
 * FANN 2.2 (float build) reference benchmarks for Compiled.Nets.
 *
 * Build (run-all.sh does this):
 *   gcc -O3 -march=native -o tests/benchmarks/out/fann_bench tests/benchmarks/fann_bench.c -lfloatfann -lm
 * Run:
 *   tests/benchmarks/out/fann_bench [--quick]
 *
 * Prints one JSON object per line on stdout:
 *   {"suite":"fann","name":...,"unit":...,"value":...}
 * Metrics: forward_xor_b1 (ns per fann_run), forward_mlp_b1 (ns per fann_run),
 *          train_xor_b4 (fann_train_epoch calls per second, FANN_TRAIN_BATCH).
 * Running sums of outputs go to stderr so the compiler cannot drop the work.
 * Timing: CLOCK_MONOTONIC around many iterations, best of 5 repeats of the mean.
 */
#include <floatfann.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REPEATS 5

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void emit(const char *name, const char *unit, double value)
{
    printf("{\"suite\":\"fann\",\"name\":\"%s\",\"unit\":\"%s\",\"value\":%.6f}\n", name, unit, value);
    fflush(stdout);
}

/* Best-of-REPEATS mean ns per fann_run on a single input vector. */
static double bench_run(struct fann *ann, fann_type *input, long iters, long warmup, double *sink)
{
    unsigned int nout = fann_get_num_output(ann);
    double best = 1e300;
    double acc = 0.0;
    long i;
    int r;
    unsigned int k;
    for (i = 0; i < warmup; i++) {
        fann_type *out = fann_run(ann, input);
        acc += out[0];
    }
    for (r = 0; r < REPEATS; r++) {
        double t0 = now_ns();
        for (i = 0; i < iters; i++) {
            fann_type *out = fann_run(ann, input);
            acc += out[0];
            /* perturb the input slightly so each call depends on the previous */
            input[0] = (fann_type)(out[0] * 1e-6f);
        }
        double t1 = now_ns();
        double mean = (t1 - t0) / (double)iters;
        if (mean < best) best = mean;
        for (k = 0; k < nout; k++) acc += fann_run(ann, input)[k];
    }
    *sink += acc;
    return best;
}

int main(int argc, char **argv)
{
    int quick = argc > 1 && strcmp(argv[1], "--quick") == 0;
    double sink = 0.0;
    int r;
    long i;
    srand(42);

    /* ---- forward_xor_b1: 2-4-1, sigmoid-symmetric (tanh-like) hidden, sigmoid output ---- */
    {
        struct fann *ann = fann_create_standard(3, 2, 4, 1);
        fann_type in[2] = { 0.5f, -0.25f };
        double ns;
        fann_randomize_weights(ann, -0.8f, 0.8f);
        fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
        fann_set_activation_function_output(ann, FANN_SIGMOID);
        ns = bench_run(ann, in, quick ? 10000 : 5000000, quick ? 1000 : 100000, &sink);
        emit("forward_xor_b1", "ns", ns);
        fann_destroy(ann);
    }

    /* ---- forward_mlp_b1: 784-128-64-10 ----
     * FANN 2.2 has no ReLU (FANN_LINEAR_PIECE_RECT only appeared in FANN 2.3) and no
     * softmax, so hidden layers use FANN_SIGMOID_SYMMETRIC and the output FANN_LINEAR.
     * The cost is dominated by the 784x128 matrix-vector product either way. */
    {
        struct fann *ann = fann_create_standard(4, 784, 128, 64, 10);
        fann_type in[784];
        double ns;
        for (i = 0; i < 784; i++) in[i] = (fann_type)rand() / (fann_type)RAND_MAX - 0.5f;
        fann_randomize_weights(ann, -0.1f, 0.1f);
        fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
        fann_set_activation_function_output(ann, FANN_LINEAR);
        ns = bench_run(ann, in, quick ? 500 : 100000, quick ? 50 : 5000, &sink);
        emit("forward_mlp_b1", "ns", ns);
        fann_destroy(ann);
    }

    /* ---- train_xor_b4: FANN_TRAIN_BATCH, learning rate 0.5, 4 XOR samples per epoch ---- */
    {
        struct fann *ann = fann_create_standard(3, 2, 4, 1);
        struct fann_train_data *data = fann_create_train(4, 2, 1);
        const fann_type xs[4][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
        const fann_type ys[4] = { 0, 1, 1, 0 };
        long iters = quick ? 2000 : 1000000;
        double best = 1e300, mse = 0.0;
        unsigned int s;
        for (s = 0; s < 4; s++) {
            data->input[s][0] = xs[s][0];
            data->input[s][1] = xs[s][1];
            data->output[s][0] = ys[s];
        }
        fann_randomize_weights(ann, -0.8f, 0.8f);
        fann_set_activation_function_hidden(ann, FANN_SIGMOID_SYMMETRIC);
        fann_set_activation_function_output(ann, FANN_SIGMOID);
        fann_set_training_algorithm(ann, FANN_TRAIN_BATCH);
        fann_set_learning_rate(ann, 0.5f);
        for (i = 0; i < (quick ? 200 : 10000); i++) mse += fann_train_epoch(ann, data);
        for (r = 0; r < REPEATS; r++) {
            double t0 = now_ns();
            for (i = 0; i < iters; i++) mse += fann_train_epoch(ann, data);
            double t1 = now_ns();
            double mean = (t1 - t0) / (double)iters;
            if (mean < best) best = mean;
        }
        sink += mse;
        emit("train_xor_b4", "steps/s", 1e9 / best);
        fprintf(stderr, "fann: final xor mse %g\n", (double)fann_get_MSE(ann));
        fann_destroy_train(data);
        fann_destroy(ann);
    }

    fprintf(stderr, "fann: checksum %g\n", sink);
    return 0;
}
