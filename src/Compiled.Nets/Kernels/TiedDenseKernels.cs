using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// A Dense layer that uses another's weight transposed (tied weights): W is the partner's [n, m] (n this layer's inputs,
/// m its outputs), so each of W's rows is contiguous along this layer's outputs and every pass is a row-wise axpy or dot (simple loops:
/// tied autoencoders are small; the untied Dense path has the tuned kernels).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TiedDenseKernels
{
    /// <summary>y = f(Wᵀ x + b) for a batch of rows x [batch, n] → y [batch, m].</summary>
    public static void Forward<TAct>(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int batch, int n, int m, TAct activation) where TAct : struct, IActivation
    {
        const string kernel = "TiedDenseKernels.Forward";
        CheckShape(kernel, batch, n, m);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * n);
        KernelChecks.Length(kernel, nameof(w), w.Length, (long)n * m);
        KernelChecks.Length(kernel, nameof(bias), bias.Length, m);
        KernelChecks.Length(kernel, nameof(y), y.Length, (long)batch * m);
        for (int s = 0; s < batch; s++)
        {
            var row = y.Slice(s * m, m);
            bias.CopyTo(row);
            for (int k = 0; k < n; k++)
            {
                float xk = x[s * n + k];
                var wk = w.Slice(k * m, m);
                for (int j = 0; j < m; j++) row[j] += wk[j] * xk;
            }
            for (int j = 0; j < m; j++) row[j] = activation.Apply(row[j]);
        }
    }

    /// <summary>
    /// dW += Σ x ⊗ dz (adds: the partner's own pass adds its part too), db += Σ dz, and unless <paramref name="dx"/> is
    /// empty, dx = f′(x) ⊙ (W dz) (overwritten: it is this layer's input's delta).
    /// </summary>
    public static void Backward<TAct>(ReadOnlySpan<float> dz, ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> dw, Span<float> db,
        Span<float> dx, int batch, int n, int m, TAct derivative) where TAct : struct, IActivation
    {
        const string kernel = "TiedDenseKernels.Backward";
        CheckShape(kernel, batch, n, m);
        KernelChecks.Length(kernel, nameof(dz), dz.Length, (long)batch * m);
        KernelChecks.Length(kernel, nameof(x), x.Length, (long)batch * n);
        KernelChecks.Length(kernel, nameof(w), w.Length, (long)n * m);
        KernelChecks.Length(kernel, nameof(dw), dw.Length, (long)n * m);
        KernelChecks.Length(kernel, nameof(db), db.Length, m);
        if (!dx.IsEmpty) KernelChecks.Length(kernel, nameof(dx), dx.Length, (long)batch * n);
        for (int s = 0; s < batch; s++)
        {
            var d = dz.Slice(s * m, m);
            for (int j = 0; j < m; j++) db[j] += d[j];
            for (int k = 0; k < n; k++)
            {
                float xk = x[s * n + k];
                var row = dw.Slice(k * m, m);
                for (int j = 0; j < m; j++) row[j] += d[j] * xk;
            }
            if (dx.IsEmpty) continue;
            for (int k = 0; k < n; k++)
            {
                var wk = w.Slice(k * m, m);
                float sum = 0f;
                for (int j = 0; j < m; j++) sum += wk[j] * d[j];
                dx[s * n + k] = derivative.Derivative(x[s * n + k]) * sum;
            }
        }
    }

    private static void CheckShape(string kernel, int batch, int n, int m)
    {
        KernelChecks.NonNegative(kernel, nameof(batch), batch);
        KernelChecks.NonNegative(kernel, nameof(n), n);
        KernelChecks.NonNegative(kernel, nameof(m), m);
    }
}
