using System;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// Each optimizer on three parameters for two steps, against the textbook formula evaluated here in double
/// (per element, written independently of the library's code), and against hand-derived closed forms.
/// </summary>
public class OptimizerFormulaTests
{
    private static readonly float[] Start = { 1f, -2f, 0.5f };
    private static readonly float[] Gradient1 = { 0.5f, -1f, 2f };
    private static readonly float[] Gradient2 = { -0.25f, 3f, 1.5f };

    private static float[] RunTwoSteps(Optimizer optimizer, float[] gradient1, float[] gradient2)
    {
        var p = (float[])Start.Clone();
        optimizer.Step(p, gradient1);
        optimizer.Step(p, gradient2);
        return p;
    }

    private static void AssertClose(double[] expected, float[] actual, double tolerance = 2e-6)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"parameter {i}: {actual[i]:R}, expected {expected[i]:R}");
    }

    private static double[] Begin() => Array.ConvertAll(Start, x => (double)x);

    // ---- Against the formula in double, with different gradients at each step ----

    [Theory]
    [InlineData(0f, false)]
    [InlineData(0.9f, false)]
    [InlineData(0.9f, true)]
    public void SgdFollowsFormula(float momentum, bool nesterov)
    {
        double lr = 0.1f, mu = momentum;
        double[] p = Begin(), buffer = new double[3];
        for (int step = 1; step <= 2; step++)
        {
            float[] g = step == 1 ? Gradient1 : Gradient2;
            for (int i = 0; i < 3; i++)
            {
                double d = g[i];
                if (mu != 0)
                {
                    buffer[i] = step == 1 ? g[i] : mu * buffer[i] + g[i];
                    d = nesterov ? g[i] + mu * buffer[i] : buffer[i];
                }
                p[i] -= lr * d;
            }
        }
        AssertClose(p, RunTwoSteps(new Sgd(0.1f, momentum, nesterov), Gradient1, Gradient2));
    }

    [Fact]
    public void AdaGradFollowsFormula()
    {
        double lr = 0.1f, eps = 1e-10f;
        double[] p = Begin(), s = new double[3];
        foreach (float[] g in new[] { Gradient1, Gradient2 })
            for (int i = 0; i < 3; i++)
            {
                s[i] += (double)g[i] * g[i];
                p[i] -= lr * g[i] / (Math.Sqrt(s[i]) + eps);
            }
        AssertClose(p, RunTwoSteps(new AdaGrad(0.1f), Gradient1, Gradient2));
    }

    [Fact]
    public void RmsPropFollowsFormula()
    {
        double lr = 0.01f, alpha = 0.99f, eps = 1e-8f;
        double[] p = Begin(), v = new double[3];
        foreach (float[] g in new[] { Gradient1, Gradient2 })
            for (int i = 0; i < 3; i++)
            {
                v[i] = alpha * v[i] + (1 - alpha) * g[i] * g[i];
                p[i] -= lr * g[i] / (Math.Sqrt(v[i]) + eps);
            }
        AssertClose(p, RunTwoSteps(new RmsProp(), Gradient1, Gradient2));
    }

    [Fact]
    public void AdaDeltaFollowsFormula()
    {
        double lr = 1.0f, rho = 0.9f, eps = 1e-6f;
        double[] p = Begin(), v = new double[3], u = new double[3];
        foreach (float[] g in new[] { Gradient1, Gradient2 })
            for (int i = 0; i < 3; i++)
            {
                v[i] = rho * v[i] + (1 - rho) * g[i] * g[i];
                double delta = Math.Sqrt(u[i] + eps) / Math.Sqrt(v[i] + eps) * g[i];
                u[i] = rho * u[i] + (1 - rho) * delta * delta;
                p[i] -= lr * delta;
            }
        AssertClose(p, RunTwoSteps(new AdaDelta(), Gradient1, Gradient2));
    }

    [Fact]
    public void AdamFollowsFormula()
    {
        double lr = 0.001f, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
        double[] p = Begin(), m = new double[3], v = new double[3];
        int t = 0;
        foreach (float[] g in new[] { Gradient1, Gradient2 })
        {
            t++;
            for (int i = 0; i < 3; i++)
            {
                m[i] = beta1 * m[i] + (1 - beta1) * g[i];
                v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
                double mHat = m[i] / (1 - Math.Pow(beta1, t));
                double vHat = v[i] / (1 - Math.Pow(beta2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        }
        AssertClose(p, RunTwoSteps(new Adam(), Gradient1, Gradient2));
    }

    // ---- Closed forms by hand: the same gradient g = (0.5, −1, 2) twice, from p = (1, −2, 0.5) ----

    [Fact]
    public void SgdPlainByHand() =>
        // p − 2 η g with η = 0.1.
        AssertClose(new[] { 0.9, -1.8, 0.1 }, RunTwoSteps(new Sgd(0.1f), Gradient1, Gradient1));

    [Fact]
    public void SgdMomentumByHand() =>
        // b₁ = g, b₂ = 1.9 g: p − η (1 + 1.9) g = p − 0.29 g.
        AssertClose(new[] { 0.855, -1.71, -0.08 }, RunTwoSteps(new Sgd(0.1f, 0.9f), Gradient1, Gradient1));

    [Fact]
    public void SgdNesterovByHand() =>
        // d₁ = g + 0.9 g = 1.9 g, d₂ = g + 0.9 · 1.9 g = 2.71 g: p − 0.461 g.
        AssertClose(new[] { 0.7695, -1.539, -0.422 }, RunTwoSteps(new Sgd(0.1f, 0.9f, nesterov: true), Gradient1, Gradient1));

    [Fact]
    public void AdaGradByHand() =>
        // s₁ = g², s₂ = 2 g²: p − η (1 + 1/√2) sign g = p − 0.1707106781 sign g.
        AssertClose(new[] { 0.8292893219, -1.8292893219, 0.3292893219 }, RunTwoSteps(new AdaGrad(0.1f), Gradient1, Gradient1));

    [Fact]
    public void RmsPropByHand() =>
        // v₁ = 0.01 g², v₂ = (1 − 0.99²) g²: p − η (1/√0.01 + 1/√0.0199) sign g = p − 0.1708881205 sign g.
        AssertClose(new[] { 0.8291118795, -1.8291118795, 0.3291118795 }, RunTwoSteps(new RmsProp(), Gradient1, Gradient1));

    [Fact]
    public void AdamByHand() =>
        // Bias correction makes m̂ = g and v̂ = g² exactly for a constant gradient: each step moves η sign g.
        AssertClose(new[] { 0.98, -1.98, 0.48 }, RunTwoSteps(new Adam(0.01f), Gradient1, Gradient1));

    [Fact]
    public void AdaDeltaFirstStepByHand()
    {
        // v₁ = 0.1 g², u₀ = 0: δ₁ = √ε / √(0.1 g² + ε) · g, about 0.00316 sign g for |g| ≫ √ε.
        var p = (float[])Start.Clone();
        new AdaDelta().Step(p, Gradient1);
        double eps = 1e-6f;
        for (int i = 0; i < 3; i++)
        {
            double g = Gradient1[i];
            double expected = Start[i] - Math.Sqrt(eps) / Math.Sqrt(0.1 * g * g + eps) * g;
            Assert.Equal(expected, p[i], 6);
        }
    }
}
