using System.Linq;
using Compiled.Nets.CompilerServices;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>The Plan's random streams: the counter-based uniform that the CPU, the CUDA kernels and the fixture script share.</summary>
public class CounterRandomTests
{
    [Theory]
    // Values from tests/scripts/make_layer_golden_fixtures.py's cn_uniform (Python integers masked to 32 bits).
    [InlineData(0u, 0u, 0u, 0u, 0.5014796257019043f)]
    [InlineData(0u, 0u, 0u, 1u, 0.23987329006195068f)]
    [InlineData(38u, 0u, 0u, 5u, 0.5683542490005493f)]
    [InlineData(0u, 3u, 1u, 7u, 0.8222914934158325f)]
    [InlineData(16777215u, 16777215u, 2u, 123456u, 0.7764835953712463f)]
    public void Matches_the_fixture_scripts_hash(uint seed, uint step, uint stream, uint index, float expected) =>
        Assert.Equal(expected, CounterRandom.Uniform(seed, step, stream, index));

    [Fact]
    public void Is_uniform_in_zero_one_and_streams_and_steps_differ()
    {
        var values = Enumerable.Range(0, 100_000).Select(i => CounterRandom.Uniform(7, 0, 0, (uint)i)).ToArray();
        Assert.All(values, v => Assert.InRange(v, 0f, 0.99999994f));
        Assert.InRange(values.Average(), 0.497, 0.503);
        Assert.InRange(values.Count(v => v < 0.25f) / 100_000.0, 0.245, 0.255);
        int sameStream = Enumerable.Range(0, 1000).Count(i => CounterRandom.Uniform(7, 0, 1, (uint)i) == values[i]);
        int sameStep = Enumerable.Range(0, 1000).Count(i => CounterRandom.Uniform(7, 1, 0, (uint)i) == values[i]);
        Assert.True(sameStream < 5 && sameStep < 5, $"{sameStream} and {sameStep} of 1000 values repeat across streams and steps");
    }

    [Fact]
    public void Seed_and_step_keep_their_low_24_bits_as_the_gpu_scalars_do()
    {
        Assert.Equal(0x345678u, CounterRandom.Seed(0x12345678));
        Assert.Equal(0xFFFFFFu, CounterRandom.Seed(-1));
        Assert.Equal(1u, CounterRandom.Step((1L << 24) + 1));
    }

    [Fact]
    public void A_dropout_mask_drops_about_the_rate_and_scales_the_rest()
    {
        var x = Enumerable.Repeat(1f, 20_000).ToArray();
        var y = new float[x.Length];
        var mask = new float[x.Length];
        DropoutKernels.ForwardTraining(x, y, mask, 0.3f, seed: 5, step: 2, stream: 0);
        Assert.InRange(mask.Count(m => m == 0f) / (double)mask.Length, 0.29, 0.31);
        Assert.All(mask.Where(m => m != 0f), m => Assert.Equal(1f / 0.7f, m));
        Assert.Equal(mask, y);
    }
}
