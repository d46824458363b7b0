using System;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

public class LearningRateScheduleTests
{
    private static void AssertRate(double expected, float actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * Math.Abs(expected) + 1e-9, $"{actual:R}, expected {expected:R}");

    [Fact]
    public void ConstantRateReturnsInitialRate()
    {
        var schedule = new ConstantRate();
        foreach (int epoch in new[] { 0, 1, 7, 1000 }) Assert.Equal(0.05f, schedule.RateAt(epoch, 0.05f));
    }

    [Fact]
    public void StepDecayDropsEveryStepSizeEpochs()
    {
        var schedule = new StepDecay(30); // γ = 0.1
        AssertRate(0.1, schedule.RateAt(0, 0.1f));
        AssertRate(0.1, schedule.RateAt(29, 0.1f));
        AssertRate(0.01, schedule.RateAt(30, 0.1f));
        AssertRate(0.01, schedule.RateAt(59, 0.1f));
        AssertRate(0.001, schedule.RateAt(65, 0.1f));
    }

    [Fact]
    public void ExponentialDecayFollowsFormula()
    {
        var schedule = new ExponentialDecay(0.95f);
        foreach (int epoch in new[] { 0, 1, 2, 10, 50 })
            AssertRate(0.2f * Math.Pow(0.95f, epoch), schedule.RateAt(epoch, 0.2f));
    }

    [Fact]
    public void CosineAnnealingMatchesPyTorchClosedForm()
    {
        // CosineAnnealingLR(T_max = 10, eta_min = 0): η₀ (1 + cos(π e / 10)) / 2 for e = 0..10.
        var schedule = new CosineAnnealing(10);
        double initial = 0.1f;
        for (int epoch = 0; epoch <= 10; epoch++)
            AssertRate(initial * (1 + Math.Cos(Math.PI * epoch / 10)) / 2, schedule.RateAt(epoch, 0.1f));
        Assert.Equal(0.1f, schedule.RateAt(0, 0.1f));
        AssertRate(0.05, schedule.RateAt(5, 0.1f));
        Assert.Equal(0f, schedule.RateAt(10, 0.1f));
    }

    [Fact]
    public void CosineAnnealingStaysAtMinimumAfterMaxEpochs()
    {
        var schedule = new CosineAnnealing(10, 0.001f);
        double initial = 0.1f, min = 0.001f;
        for (int epoch = 0; epoch <= 10; epoch++)
            AssertRate(min + (initial - min) * (1 + Math.Cos(Math.PI * epoch / 10)) / 2, schedule.RateAt(epoch, 0.1f));
        foreach (int epoch in new[] { 10, 11, 15, 20, 1000 }) Assert.Equal(0.001f, schedule.RateAt(epoch, 0.1f));
    }

    // PyTorch's schedulers (recursive forms in float64) after e calls to step(), from the fixture.
    [Theory]
    [InlineData("step_lr")]
    [InlineData("exponential_lr")]
    [InlineData("cosine_annealing_lr")]
    public void MatchesPyTorchSchedulers(string id)
    {
        LearningRateSchedule schedule = id switch
        {
            "step_lr" => new StepDecay(3, 0.5f),
            "exponential_lr" => new ExponentialDecay(0.9f),
            _ => new CosineAnnealing(10, 0.001f),
        };
        var fixture = OptimizerFixture.Schedule(id);
        float initial = (float)fixture.GetProperty("initial_rate").GetDouble();
        double[] rates = OptimizerFixture.Doubles(fixture.GetProperty("rates"));
        for (int epoch = 0; epoch < rates.Length; epoch++)
            AssertRate(rates[epoch], schedule.RateAt(epoch, initial));
    }

    [Fact]
    public void ConstructorsRejectBadArguments()
    {
        Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(0)).ParamName);
        Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(-3)).ParamName);
        foreach (float gamma in new[] { 0f, -0.5f, 1.5f, float.NaN })
        {
            Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new StepDecay(3, gamma)).ParamName);
            Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialDecay(gamma)).ParamName);
        }
        Assert.Equal("maxEpochs", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealing(0)).ParamName);
        foreach (float min in new[] { -0.1f, float.NaN, float.PositiveInfinity })
            Assert.Equal("minRate", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealing(10, min)).ParamName);
    }

    [Fact]
    public void RateAtRejectsBadArguments()
    {
        foreach (LearningRateSchedule schedule in new LearningRateSchedule[] { new ConstantRate(), new StepDecay(3), new ExponentialDecay(0.9f), new CosineAnnealing(10) })
        {
            Assert.Equal("epoch", Assert.Throws<ArgumentOutOfRangeException>(() => schedule.RateAt(-1, 0.1f)).ParamName);
            foreach (float rate in new[] { 0f, -0.1f, float.NaN, float.PositiveInfinity })
                Assert.Equal("initialRate", Assert.Throws<ArgumentOutOfRangeException>(() => schedule.RateAt(0, rate)).ParamName);
        }
    }
}
