using System;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>Validation, defaults, state handling and formatting shared by all optimizers.</summary>
public class OptimizerBehaviourTests
{
    private static float[] Gradients(int n, int seed)
    {
        var random = new Random(seed);
        var g = new float[n];
        for (int i = 0; i < n; i++) g[i] = (float)(random.NextDouble() * 2 - 1);
        return g;
    }

    // ---- Validation ----

    private static void AssertOutOfRange(string parameter, string range, Func<Optimizer> create)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => create());
        Assert.Equal(parameter, ex.ParamName);
        Assert.Contains(range, ex.Message);
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void EveryOptimizerRejectsBadLearningRate(float lr)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaGrad(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RmsProp(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaDelta(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam(lr));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam().LearningRate = lr);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    [InlineData(1.5f)]
    [InlineData(float.NaN)]
    public void FractionsOutsideTheirRangeThrow(float bad)
    {
        AssertOutOfRange("momentum", "[0, 1)", () => new Sgd(0.1f, bad));
        AssertOutOfRange("alpha", "[0, 1)", () => new RmsProp(alpha: bad));
        AssertOutOfRange("beta1", "[0, 1)", () => new Adam(beta1: bad));
        AssertOutOfRange("beta2", "[0, 1)", () => new Adam(beta2: bad));
        if (bad != 1f) AssertOutOfRange("rho", "[0, 1]", () => new AdaDelta(rho: bad)); // ρ = 1 is allowed, as in PyTorch
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(-1e-8f)]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void EpsilonsMustBePositiveAndFinite(float bad)
    {
        AssertOutOfRange("epsilon", "(0, ∞)", () => new AdaGrad(epsilon: bad));
        AssertOutOfRange("epsilon", "(0, ∞)", () => new RmsProp(epsilon: bad));
        AssertOutOfRange("epsilon", "(0, ∞)", () => new AdaDelta(epsilon: bad));
        AssertOutOfRange("epsilon", "(0, ∞)", () => new Adam(epsilon: bad));
    }

    [Fact]
    public void NesterovNeedsMomentum()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Sgd(0.1f, 0f, nesterov: true));
        Assert.Equal("nesterov", ex.ParamName);
    }

    [Fact]
    public void EdgeValuesAreAccepted()
    {
        _ = new Sgd(0.1f, 0f);
        _ = new Sgd(0.1f, 0.999f, nesterov: true);
        _ = new RmsProp(alpha: 0f);
        _ = new AdaDelta(rho: 0f);
        _ = new AdaDelta(rho: 1f);
        _ = new Adam(beta1: 0f, beta2: 0f);
    }

    [Fact]
    public void StepRejectsMismatchedGradients()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Adam().Step(new float[4], new float[3]));
        Assert.Equal("gradients", ex.ParamName);
    }

    // ---- Defaults and formatting ----

    [Fact]
    public void DefaultsArePyTorchs()
    {
        var sgd = new Sgd();
        Assert.Equal((0.01f, 0f, false), (sgd.LearningRate, sgd.Momentum, sgd.Nesterov));
        var adagrad = new AdaGrad();
        Assert.Equal((0.01f, 1e-10f), (adagrad.LearningRate, adagrad.Epsilon));
        var rmsprop = new RmsProp();
        Assert.Equal((0.01f, 0.99f, 1e-8f), (rmsprop.LearningRate, rmsprop.Alpha, rmsprop.Epsilon));
        var adadelta = new AdaDelta();
        Assert.Equal((1f, 0.9f, 1e-6f), (adadelta.LearningRate, adadelta.Rho, adadelta.Epsilon));
        var adam = new Adam();
        Assert.Equal((0.001f, 0.9f, 0.999f, 1e-8f), (adam.LearningRate, adam.Beta1, adam.Beta2, adam.Epsilon));
    }

    [Fact]
    public void ToStringShowsTheConstants()
    {
        Assert.Equal("Adam(lr=0.001, β1=0.9, β2=0.999, ε=1e-08)", new Adam().ToString());
        Assert.Equal("Sgd(lr=0.01)", new Sgd().ToString());
        Assert.Equal("Sgd(lr=0.1, μ=0.9)", new Sgd(0.1f, 0.9f).ToString());
        Assert.Equal("Sgd(lr=0.1, μ=0.9, nesterov)", new Sgd(0.1f, 0.9f, true).ToString());
        Assert.Equal("AdaGrad(lr=0.01, ε=1e-10)", new AdaGrad().ToString());
        Assert.Equal("RmsProp(lr=0.01, α=0.99, ε=1e-08)", new RmsProp().ToString());
        Assert.Equal("AdaDelta(lr=1, ρ=0.9, ε=1e-06)", new AdaDelta().ToString());
        var adam = new Adam { LearningRate = 0.0003f };
        Assert.Equal("Adam(lr=0.0003, β1=0.9, β2=0.999, ε=1e-08)", adam.ToString());
    }

    // ---- State ----

    [Theory]
    [MemberData(nameof(Optimizers.All), MemberType = typeof(Optimizers))]
    public void StateIsAllocatedOnlyOnTheFirstStep(string name)
    {
        Optimizer optimizer = Optimizers.Create(name);
        var p = new float[100];
        float[] g = Gradients(100, 1);
        optimizer.Step(p, g); // allocates the state arena (and JIT-compiles)

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) optimizer.Step(p, g);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(11, optimizer.StepCount);
    }

    [Theory]
    [MemberData(nameof(Optimizers.All), MemberType = typeof(Optimizers))]
    public void ResetStartsOverLikeANewOptimizer(string name)
    {
        float[] g1 = Gradients(21, 2), g2 = Gradients(21, 3);
        float[] Run(Optimizer optimizer)
        {
            var p = new float[21];
            Array.Fill(p, 0.5f);
            optimizer.Step(p, g1);
            optimizer.Step(p, g2);
            return p;
        }

        Optimizer used = Optimizers.Create(name);
        float[] first = Run(used);
        used.Reset();
        Assert.Equal(0, used.StepCount);
        Assert.Equal(first, Run(used));
        Assert.Equal(first, Run(Optimizers.Create(name)));
    }

    [Fact]
    public void ANewParameterCountStartsFreshState()
    {
        var adam = new Adam(0.01f);
        adam.Step(new float[3], new[] { 1f, 2f, 3f });
        adam.Step(new float[3], new[] { 1f, 2f, 3f });
        Assert.Equal(2, adam.StepCount);

        var p = new float[5];
        float[] g = Gradients(5, 4);
        adam.Step(p, g);
        Assert.Equal(1, adam.StepCount);

        var fresh = new float[5];
        new Adam(0.01f).Step(fresh, g);
        Assert.Equal(fresh, p);
    }

    [Theory]
    [MemberData(nameof(Optimizers.All), MemberType = typeof(Optimizers))]
    public void VectorLanesAndScalarTailRoundAlike(string name)
    {
        // 19 = two 256-bit blocks (four 128-bit ones) and a tail of 3: identical inputs must give bit-identical outputs everywhere.
        Optimizer optimizer = Optimizers.Create(name);
        var p = new float[19];
        Array.Fill(p, 0.7f);
        for (int step = 0; step < 3; step++)
        {
            var g = new float[19];
            Array.Fill(g, 0.3f - 0.4f * step);
            optimizer.Step(p, g);
        }
        Assert.All(p, value => Assert.Equal(p[0], value));
        Assert.NotEqual(0.7f, p[0]);
    }

    [Fact]
    public void ChangedLearningRateAppliesToTheNextStep()
    {
        var sgd = new Sgd(0.1f);
        var p = new[] { 1f };
        sgd.Step(p, new[] { 1f });
        sgd.LearningRate = 0.5f;
        sgd.Step(p, new[] { 1f });
        Assert.Equal(0.4f, p[0], 6);
    }
}
