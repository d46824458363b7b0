using System;
using Compiled.Nets.CompilerServices;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// RecurrentKernels at shapes the network tests (hidden sizes 3–5, a few steps) do not reach: hidden sizes past a vector with a
/// ragged end (the cells' SIMD loops and their scalar tails), 12 and 28 features (the 4-wide input-weight gradient), and more
/// than <see cref="RecurrentKernels.WeightGradientRows"/> rows of steps × batch (weight gradients summed a chunk of steps at a
/// time), and batches whose LSTM steps are shared between the cores. Forward against the cells' equations in double; backward against central differences of that double forward, of
/// L = Σ dOutput ⊙ output.
/// </summary>
public class RecurrentKernelTests
{
    public static TheoryData<RecurrentCell, int, int, int, bool, int> Shapes() => new()
    {
        // cell, steps, features, hidden, every step, batch
        { RecurrentCell.Lstm, 16, 12, 12, false, 9 },
        { RecurrentCell.Lstm, 6, 28, 16, true, 3 },
        { RecurrentCell.LstmPeephole, 16, 12, 12, true, 9 },
        { RecurrentCell.Gru, 16, 12, 12, false, 9 },
        { RecurrentCell.SimpleRnnTanh, 16, 10, 12, true, 9 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_and_backward_match_the_equations_in_double(RecurrentCell cell, int steps, int features, int hidden, bool sequences, int batch)
    {
        var shape = new RecurrentShape(cell, steps, features, hidden, 1f, sequences);
        var random = new SeededRandom(17);
        float[] x = Values(batch * shape.InputWidth, random, 1f), parameters = Values(shape.ParameterCount, random, 0.4f);
        float[] dOutput = Values(batch * shape.OutputWidth, random, 1f);
        var scratch = new float[batch * shape.ScratchWidth];
        var back = new float[batch * shape.ScratchWidth];
        var output = new float[batch * shape.OutputWidth];
        var gradients = new float[shape.ParameterCount];
        var dx = new float[x.Length];
        RecurrentKernels.Forward(shape, x, parameters, scratch, output, batch);
        RecurrentKernels.Backward(shape, x, parameters, scratch, dOutput, back, gradients, dx, batch, default(LinearActivation));

        double[] px = Array.ConvertAll(x, v => (double)v), pp = Array.ConvertAll(parameters, v => (double)v);
        double[] expected = Reference(shape, px, pp, batch);
        Assert.True(MaxError(output, expected) < 2e-5, $"forward: max error {MaxError(output, expected):E2}");

        Assert.True(Relative(gradients, Numeric(shape, px, pp, dOutput, batch, pp)) < 1e-4, "parameter gradients");
        Assert.True(Relative(dx, Numeric(shape, px, pp, dOutput, batch, px)) < 1e-4, "input gradients");
    }

    /// <summary>
    /// Batches and hidden sizes at which an LSTM step is shared between the cores (its W_hh product and cells by groups of
    /// four samples, on a machine with two or more): too many parameters for central differences of each, so the gradients
    /// are checked along random directions, ⟨∇L, v⟩ against (L(θ + εv) − L(θ − εv)) / 2ε in double.
    /// </summary>
    [Theory]
    [InlineData(RecurrentCell.Lstm, 16, 96, false)]
    [InlineData(RecurrentCell.Lstm, 19, 128, true)]
    [InlineData(RecurrentCell.LstmPeephole, 16, 96, true)]
    public void Shared_steps_match_the_equations_along_random_directions(RecurrentCell cell, int batch, int hidden, bool sequences)
    {
        var shape = new RecurrentShape(cell, 4, 12, hidden, 1f, sequences);
        var random = new SeededRandom(23);
        float[] x = Values(batch * shape.InputWidth, random, 1f), parameters = Values(shape.ParameterCount, random, 0.15f);
        float[] dOutput = Values(batch * shape.OutputWidth, random, 1f);
        var scratch = new float[batch * shape.ScratchWidth];
        var back = new float[batch * shape.ScratchWidth];
        var output = new float[batch * shape.OutputWidth];
        var gradients = new float[shape.ParameterCount];
        var dx = new float[x.Length];
        RecurrentKernels.Forward(shape, x, parameters, scratch, output, batch);
        RecurrentKernels.Backward(shape, x, parameters, scratch, dOutput, back, gradients, dx, batch, default(LinearActivation));

        double[] px = Array.ConvertAll(x, v => (double)v), pp = Array.ConvertAll(parameters, v => (double)v);
        Assert.True(MaxError(output, Reference(shape, px, pp, batch)) < 2e-5, "forward");
        for (int d = 0; d < 3; d++)
        {
            Assert.True(DirectionalError(shape, px, pp, dOutput, batch, pp, gradients, random) < 1e-3, "parameter gradients");
            Assert.True(DirectionalError(shape, px, pp, dOutput, batch, px, dx, random) < 1e-3, "input gradients");
        }
    }

    /// <summary>
    /// A batch below 8 whose LSTM recurrence is shared between the cores by units (LstmUnitsJob, on a machine with two or more):
    /// bit for bit what the unshared path computes, for hidden sizes that split into whole vectors and one with a ragged end,
    /// the peephole cell, a given initial state, and the input projection both as dot products and as broadcast tiles.
    /// </summary>
    [Theory]
    [InlineData(RecurrentCell.Lstm, 28, 28, 128, 1, false)]
    [InlineData(RecurrentCell.Lstm, 5, 12, 132, 3, true)]
    [InlineData(RecurrentCell.LstmPeephole, 7, 9, 96, 2, true)]
    [InlineData(RecurrentCell.Lstm, 80, 12, 128, 1, true)]
    [InlineData(RecurrentCell.Lstm, 10, 32, 256, 7, false)]
    public void Shared_units_of_a_small_batch_match_the_unshared_path_bit_for_bit(RecurrentCell cell, int steps, int features, int hidden, int batch, bool sequences)
    {
        var shape = new RecurrentShape(cell, steps, features, hidden, 1f, sequences);
        var random = new SeededRandom(29);
        float[] x = Values(batch * shape.InputWidth, random, 1f), parameters = Values(shape.ParameterCount, random, 0.15f);
        float[] state = Values(batch * shape.CarriedWidth, random, 0.5f);
        foreach (bool given in new[] { false, true })
        {
            var shared = new float[batch * shape.OutputWidth];
            var unshared = new float[batch * shape.OutputWidth];
            var sharedScratch = new float[batch * shape.ScratchWidth];
            var unsharedScratch = new float[batch * shape.ScratchWidth];
            RecurrentKernels.Forward(shape, x, parameters, sharedScratch, shared, batch, given ? state : default);
            RecurrentKernels.ShareUnitsOff = true;
            try
            {
                RecurrentKernels.Forward(shape, x, parameters, unsharedScratch, unshared, batch, given ? state : default);
            }
            finally
            {
                RecurrentKernels.ShareUnitsOff = false;
            }
            Assert.Equal(unshared, shared);
            Assert.Equal(unsharedScratch, sharedScratch);
        }
    }

    /// <summary>|⟨analytic, v⟩ − numeric| / |numeric| along a random direction v of <paramref name="wrt"/>.</summary>
    private static double DirectionalError(RecurrentShape shape, double[] x, double[] p, float[] dOutput, int batch, double[] wrt, float[] analytic, SeededRandom random)
    {
        const double h = 1e-5;
        var v = new double[wrt.Length];
        for (int i = 0; i < v.Length; i++) v[i] = 2 * random.NextFloat() - 1;
        var saved = (double[])wrt.Clone();
        for (int i = 0; i < wrt.Length; i++) wrt[i] = saved[i] + h * v[i];
        double plus = Dot(Reference(shape, x, p, batch), dOutput);
        for (int i = 0; i < wrt.Length; i++) wrt[i] = saved[i] - h * v[i];
        double minus = Dot(Reference(shape, x, p, batch), dOutput);
        Array.Copy(saved, wrt, wrt.Length);
        double numeric = (plus - minus) / (2 * h), projected = 0;
        for (int i = 0; i < v.Length; i++) projected += analytic[i] * v[i];
        return Math.Abs(projected - numeric) / Math.Abs(numeric);
    }

    private static float[] Values(int count, SeededRandom random, float scale)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = scale * (2f * random.NextFloat() - 1f);
        return values;
    }

    /// <summary>dL/d<paramref name="wrt"/> (<paramref name="x"/> or <paramref name="p"/>) by central differences of the double forward pass.</summary>
    private static double[] Numeric(RecurrentShape shape, double[] x, double[] p, float[] dOutput, int batch, double[] wrt)
    {
        const double h = 1e-6;
        var result = new double[wrt.Length];
        for (int i = 0; i < wrt.Length; i++)
        {
            double saved = wrt[i];
            wrt[i] = saved + h;
            double plus = Dot(Reference(shape, x, p, batch), dOutput);
            wrt[i] = saved - h;
            double minus = Dot(Reference(shape, x, p, batch), dOutput);
            wrt[i] = saved;
            result[i] = (plus - minus) / (2 * h);
        }
        return result;
    }

    private static double Dot(double[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static double MaxError(float[] actual, double[] expected)
    {
        double worst = 0;
        for (int i = 0; i < actual.Length; i++) worst = Math.Max(worst, Math.Abs(actual[i] - expected[i]));
        return worst;
    }

    private static double Relative(float[] actual, double[] expected)
    {
        double diff = 0, norm = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        Assert.True(norm > 0, "the gradient is zero");
        return Math.Sqrt(diff / norm);
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    /// <summary>The layer's output, batch-first, from nn.RNN/LSTM/GRU's equations (and the peephole LSTM's), in double.</summary>
    private static double[] Reference(RecurrentShape shape, double[] x, double[] p, int batch)
    {
        int T = shape.Steps, I = shape.Features, H = shape.Hidden, G = shape.GateWidth;
        int wih = 0, whh = G * I, peep = whh + G * H, bih = peep + (shape.HasPeephole ? 3 * H : 0), bhh = bih + G;
        var output = new double[batch * shape.OutputWidth];
        var zx = new double[G];
        var zh = new double[G];
        for (int s = 0; s < batch; s++)
        {
            var h = new double[H];
            var c = new double[H];
            for (int t = 0; t < T; t++)
            {
                for (int q = 0; q < G; q++)
                {
                    double a = p[bih + q], b = p[bhh + q];
                    for (int k = 0; k < I; k++) a += p[wih + q * I + k] * x[(s * T + t) * I + k];
                    for (int k = 0; k < H; k++) b += p[whh + q * H + k] * h[k];
                    zx[q] = a;
                    zh[q] = b;
                }
                var next = new double[H];
                for (int j = 0; j < H; j++)
                {
                    switch (shape.Cell)
                    {
                        case RecurrentCell.Lstm:
                        case RecurrentCell.LstmPeephole:
                            double pi = shape.HasPeephole ? p[peep + j] * c[j] : 0, pf = shape.HasPeephole ? p[peep + H + j] * c[j] : 0;
                            double i = Sigmoid(zx[j] + zh[j] + pi), f = Sigmoid(zx[H + j] + zh[H + j] + pf), g = Math.Tanh(zx[2 * H + j] + zh[2 * H + j]);
                            c[j] = f * c[j] + i * g;
                            double o = Sigmoid(zx[3 * H + j] + zh[3 * H + j] + (shape.HasPeephole ? p[peep + 2 * H + j] * c[j] : 0));
                            next[j] = o * Math.Tanh(c[j]);
                            break;
                        case RecurrentCell.Gru:
                            double r = Sigmoid(zx[j] + zh[j]), z = Sigmoid(zx[H + j] + zh[H + j]);
                            double n = Math.Tanh(zx[2 * H + j] + r * zh[2 * H + j]);
                            next[j] = (1 - z) * n + z * h[j];
                            break;
                        default:
                            next[j] = Math.Tanh(zx[j] + zh[j]);
                            break;
                    }
                }
                h = next;
                if (shape.ReturnSequences) Array.Copy(h, 0, output, (s * T + t) * H, H);
            }
            if (!shape.ReturnSequences) Array.Copy(h, 0, output, s * H, H);
        }
        return output;
    }
}
