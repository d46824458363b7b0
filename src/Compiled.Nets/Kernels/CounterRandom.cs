using System.ComponentModel;
using System;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// A counter-based uniform: a hash of (seed, step, stream, index) instead of a generator's state, so any value of a
/// step's random stream can be drawn in any order, on any thread. The CUDA kernels compute the same function
/// (<c>cn_uniform</c> in the generated source), so a dropout mask is the same on the CPU and on a GPU.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class CounterRandom
{
    /// <summary>The seed as the stream takes it: its low 24 bits (exact in the float scalars the GPU kernels read).</summary>
    public static uint Seed(int seed) => (uint)seed & 0xFFFFFFu;

    /// <summary>The step count as the stream takes it: its low 24 bits.</summary>
    public static uint Step(long step) => (uint)(step & 0xFFFFFF);

    /// <summary>
    /// A standard normal for value <paramref name="index"/> of a stream, by Box–Muller from its uniforms at 2·index and
    /// 2·index + 1: √(−2 ln(1 − u₁)) cos(2π u₂) (<c>cn_normal</c> in CUDA). The noise layers' and the VAE's ε.
    /// </summary>
    public static float Normal(uint seed, uint step, uint stream, uint index)
    {
        float u1 = Uniform(seed, step, stream, unchecked(2u * index)), u2 = Uniform(seed, step, stream, unchecked(2u * index + 1u));
        return MathF.Sqrt(-2f * MathF.Log(1f - u1)) * MathF.Cos(6.2831853f * u2);
    }

    /// <summary>A uniform in [0, 1) with 24 random bits for value <paramref name="index"/> of stream <paramref name="stream"/>.</summary>
    public static float Uniform(uint seed, uint step, uint stream, uint index) =>
        (Hash(seed, step, stream, index) >> 8) * (1.0f / 16777216.0f);

    private static uint Hash(uint seed, uint step, uint stream, uint index)
    {
        unchecked
        {
            uint h = seed * 0x9E3779B9u ^ (step + 0x7F4A7C15u) * 0x85EBCA6Bu ^ index * 0xC2B2AE35u ^ (stream + 1u) * 0x27D4EB2Fu;
            h ^= h >> 16; h *= 0x7FEB352Du; h ^= h >> 15; h *= 0x846CA68Bu; h ^= h >> 16;
            return h;
        }
    }

    /// <summary>
    /// A standard logistic value z = ln u − ln(1 − u) for value <paramref name="index"/>, with u = (2k + 1)/2²⁴ from the
    /// hash's top 23 bits k: the middle of a cell, so neither logarithm meets 0, and a = 2k + 1 and 2²⁴ − a are exact
    /// floats (<c>cn_logistic</c> in CUDA computes the same). The stochastic neurons' z; |z| ≤ ln(2²⁴ − 1) ≈ 16.6.
    /// </summary>
    public static float Logistic(uint seed, uint step, uint stream, uint index)
    {
        float a = 2f * (Hash(seed, step, stream, index) >> 9) + 1f;
        return MathF.Log(a) - MathF.Log(16777216f - a);
    }
}
