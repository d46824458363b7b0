using System;
using Compiled.Nets.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// The decaying state of a weight without gradient (an MNIST border pixel's, a unit the batch never activates) is flushed
/// to zero below the normal range instead of staying subnormal, where Intel cores take a microcode assist per operation.
/// </summary>
public class OptimizerSubnormalTests
{
    private const float SmallestNormal = 1.17549435e-38f;
    private readonly ITestOutputHelper _output;

    public OptimizerSubnormalTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(0.9f)]
    [InlineData(0.99f)]
    [InlineData(0.999f)]
    public void Without_a_flush_a_decaying_average_enters_the_subnormal_range_and_stays(float beta)
    {
        // The unflushed update with a zero gradient, x ← β x + (1 − β)·0, from Adam's first moment after one gradient of 10⁻³.
        float x = (1f - beta) * 1e-3f;
        int step = 0;
        while (!float.IsSubnormal(x))
        {
            x = beta * x + (1f - beta) * 0f;
            step++;
        }
        _output.WriteLine($"β = {beta}: subnormal from step {step:N0} ({x:E3})");
        // β·x rounds back to x for the smallest subnormals, so a million more steps do not reach 0.
        for (int i = 0; i < 1_000_000; i++) x = beta * x + (1f - beta) * 0f;
        Assert.True(float.IsSubnormal(x), $"after a million more steps x is {x:E3}");
    }

    public static TheoryData<string> Decaying => new() { "sgd_momentum", "sgd_nesterov", "rmsprop", "adadelta", "adam" };

    [Theory]
    [MemberData(nameof(Decaying))]
    public void State_without_gradients_decays_to_zero_and_is_never_subnormal(string name)
    {
        // 19 parameters: whole vectors and a scalar tail. One step with gradients from 10⁻¹ down to 10⁻¹⁹ (and a 0),
        // then zero gradients until every state value has left the normal range.
        Optimizer optimizer = Optimizers.Create(name);
        float[] decay = name switch
        {
            "sgd_momentum" or "sgd_nesterov" => new[] { 0.9f },
            "rmsprop" => new[] { 0.99f },
            "adadelta" => new[] { 0.9f, 0.9f },
            _ => new[] { 0.9f, 0.999f }, // Adam: m, then v
        };
        const int n = 19;
        var parameters = new float[n];
        var gradients = new float[n];
        for (int i = 0; i < n - 1; i++) gradients[i] = MathF.Pow(10f, -1 - i);
        optimizer.Step(parameters, gradients);
        Array.Clear(gradients);

        // With g = 0 every slot's update is x ← β x + c·0: the same operations here, without the flush, predict the state.
        float[] unflushed = optimizer.State.ToArray();
        Assert.Equal(decay.Length * n, unflushed.Length);
        int subnormalSteps = 0;
        for (int step = 0; step < 120_000; step++)
        {
            optimizer.Step(parameters, gradients);
            ReadOnlySpan<float> state = optimizer.State;
            bool anySubnormal = false;
            for (int i = 0; i < state.Length; i++)
            {
                float x = unflushed[i] = decay[i / n] * unflushed[i] + (1f - decay[i / n]) * 0f;
                anySubnormal |= float.IsSubnormal(x);
                // Bit for bit the unflushed value while it is normal, 0 from the step it would have become subnormal.
                float expected = MathF.Abs(x) < SmallestNormal ? 0f : x;
                if (state[i] != expected)
                    Assert.Fail($"{name} step {step + 2}: state[{i}] is {state[i]:E3}, expected {expected:E3} (unflushed {x:E3})");
            }
            if (anySubnormal) subnormalSteps++;
        }
        Assert.All(optimizer.State.ToArray(), x => Assert.Equal(0f, x));
        // The same updates without the flush would have held subnormal values (the case this guards against).
        Assert.True(subnormalSteps > 0, $"{name}: no unflushed value became subnormal, so the test proves nothing");
        _output.WriteLine($"{name}: unflushed state would have held subnormals in {subnormalSteps:N0} of 120,000 steps");
    }

    [Fact]
    public void The_flush_keeps_NaN_and_normal_values()
    {
        // Momentum buffers of a NaN, a normal and a subnormal gradient, in the vector lanes and in the tail.
        var optimizer = new Sgd(0.1f, momentum: 0.9f);
        var parameters = new float[19];
        var gradients = new float[19];
        foreach (int i in new[] { 0, 18 })
        {
            gradients[i] = float.NaN;
            gradients[i + (i == 0 ? 1 : -1)] = SmallestNormal;
            gradients[i + (i == 0 ? 2 : -2)] = SmallestNormal / 4;
        }
        optimizer.Step(parameters, gradients);
        ReadOnlySpan<float> buffer = optimizer.State;
        foreach (var (nan, normal, subnormal) in new[] { (0, 1, 2), (18, 17, 16) })
        {
            Assert.True(float.IsNaN(buffer[nan]));
            Assert.Equal(SmallestNormal, buffer[normal]);
            Assert.Equal(0f, buffer[subnormal]);
        }
    }
}
