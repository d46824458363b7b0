using System;
using System.Text.Json;
using Compiled.Nets.Optimizers;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>Each optimizer against torch.optim on the fixture problem, step by step from the same start.</summary>
public class OptimizerPyTorchTests
{
    private const double Relative = 1e-5, Absolute = 1e-6;
    private readonly ITestOutputHelper _output;

    public OptimizerPyTorchTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [MemberData(nameof(Optimizers.All), MemberType = typeof(Optimizers))]
    public void MatchesPyTorchTrajectory(string name)
    {
        JsonElement fixture = OptimizerFixture.Optimizer(name);
        float[][] expected = OptimizerFixture.Trajectory(fixture);
        float[] p = OptimizerFixture.P0, a = OptimizerFixture.A, b = OptimizerFixture.B, c = OptimizerFixture.C;
        var gradients = new float[p.Length];
        Optimizer optimizer = Optimizers.Create(name);
        AssertSettings(optimizer, fixture.GetProperty("settings"));

        double maxError = 0;
        for (int step = 0; step < expected.Length; step++)
        {
            // Same float operations, in the same order, as the script: ((2 a) p + b) + (c p) p.
            for (int i = 0; i < p.Length; i++) gradients[i] = 2f * a[i] * p[i] + b[i] + c[i] * p[i] * p[i];
            optimizer.Step(p, gradients);
            for (int i = 0; i < p.Length; i++)
            {
                double error = Math.Abs(p[i] - (double)expected[step][i]);
                maxError = Math.Max(maxError, error);
                Assert.True(error <= Absolute + Relative * Math.Abs(expected[step][i]),
                    $"{optimizer} step {step + 1}, parameter {i}: {p[i]:R} vs PyTorch {expected[step][i]:R} (error {error:E2}).");
            }
        }
        _output.WriteLine($"{optimizer}: max |error| against torch.optim.{fixture.GetProperty("torch").GetString()} over {expected.Length} steps = {maxError:E2}");
    }

    // Guards against the fixture and Optimizers.Create drifting apart.
    private static void AssertSettings(Optimizer optimizer, JsonElement settings)
    {
        Assert.Equal(settings.GetProperty("lr").GetDouble(), optimizer.LearningRate, 6);
        if (optimizer is Sgd sgd)
        {
            double momentum = settings.TryGetProperty("momentum", out var m) ? m.GetDouble() : 0;
            bool nesterov = settings.TryGetProperty("nesterov", out var n) && n.GetBoolean();
            Assert.Equal(momentum, sgd.Momentum, 6);
            Assert.Equal(nesterov, sgd.Nesterov);
        }
    }
}
