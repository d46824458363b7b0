using System;
using System.Linq;
using Compiled.Nets.CompilerServices;
using Compiled.Nets.Optimizers;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>Stepping only some ranges (frozen layers): those ranges move as a whole-arena step moves them, the rest and their state do not.</summary>
public class OptimizerRangeTests
{
    public static TheoryData<string> Rules => new() { "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam" };

    private static Optimizer Create(string rule) => rule switch
    {
        "sgd" => new Sgd(0.1f),
        "momentum" => new Sgd(0.1f, momentum: 0.9f),
        "nesterov" => new Sgd(0.1f, momentum: 0.9f, nesterov: true),
        "adagrad" => new AdaGrad(0.1f),
        "rmsprop" => new RmsProp(0.01f),
        "adadelta" => new AdaDelta(1f),
        _ => new Adam(0.01f),
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public void Ranges_step_as_the_whole_arena_does_and_leave_the_rest_and_its_state_alone(string rule)
    {
        const int n = 45; // ranges that start and end off the vector width
        var random = new SeededRandom(3);
        float[] start = Enumerable.Range(0, n).Select(_ => random.NextFloat() - 0.5f).ToArray();
        var ranges = new (int, int)[] { (3, 11), (20, 17) };
        bool InRange(int i) => ranges.Any(r => i >= r.Item1 && i < r.Item1 + r.Item2);
        Optimizer whole = Create(rule), part = Create(rule);
        float[] a = start.ToArray(), b = start.ToArray();
        for (int step = 0; step < 4; step++)
        {
            float[] g = Enumerable.Range(0, n).Select(_ => random.NextFloat() - 0.5f).ToArray();
            whole.Step(a, g);
            part.Step(b, g, ranges);
        }
        for (int i = 0; i < n; i++)
            Assert.Equal(InRange(i) ? a[i] : start[i], b[i]);
        Assert.Equal(4, part.StepCount);
        // The frozen elements' state never moved from zero.
        var state = part.State;
        for (int k = 0; k < state.Length / n; k++)
            for (int i = 0; i < n; i++)
                if (!InRange(i)) Assert.Equal(0f, state[k * n + i]);
    }

    [Fact]
    public void A_range_outside_the_arena_is_refused_before_anything_changes()
    {
        var adam = new Adam(0.01f);
        var p = new float[10];
        Assert.Throws<ArgumentOutOfRangeException>(() => adam.Step(p, new float[10], new (int, int)[] { (5, 6) }));
        Assert.Equal(0, adam.StepCount);
    }

    [Fact]
    public void Trainability_merges_touching_ranges_and_skips_layers_without_parameters()
    {
        var t = new LayerTrainability(new[] { 0, 0, 6, 6, 10 }, new[] { 0, 6, 4, 0, 3 }, new[] { true, true, true, true, true });
        Assert.True(t.AllTrainable);
        Assert.Equal(new[] { (0, 13) }, t.Ranges.ToArray());
        t[2] = false;
        Assert.False(t.AllTrainable);
        Assert.Equal(new[] { (0, 6), (10, 3) }, t.Ranges.ToArray());
        t.SetAll(false);
        Assert.True(t.NoneTrainable);
        Assert.Empty(t.Ranges.ToArray());
    }
}
