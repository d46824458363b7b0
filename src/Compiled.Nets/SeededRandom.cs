using System;

namespace Compiled.Nets;

/// <summary>
/// A small deterministic generator (SplitMix64 seeding xoshiro128**): the same seed gives the same
/// stream on every platform and .NET version, unlike <see cref="Random"/>, whose algorithm may change.
/// </summary>
public sealed class SeededRandom
{
    private uint _s0, _s1, _s2, _s3;

    /// <summary>A generator whose stream is fixed by <paramref name="seed"/>.</summary>
    public SeededRandom(long seed) => Reseed(seed);

    /// <summary>Restarts the stream from <paramref name="seed"/> without allocating (dropout masks per step).</summary>
    public void Reseed(long seed)
    {
        ulong x = (ulong)seed;
        ulong a = SplitMix(ref x), b = SplitMix(ref x);
        _s0 = (uint)a; _s1 = (uint)(a >> 32); _s2 = (uint)b; _s3 = (uint)(b >> 32);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 1;
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniformly distributed 32-bit value.</summary>
    public uint NextUInt32()
    {
        uint result = RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 11);
        return result;
    }

    private static uint RotateLeft(uint v, int k) => (v << k) | (v >> (32 - k));

    /// <summary>Uniform in [0, 1).</summary>
    public float NextFloat() => (NextUInt32() >> 8) * (1f / (1 << 24));

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive");
        return (int)(((ulong)NextUInt32() * (ulong)maxExclusive) >> 32);
    }

    /// <summary>Standard normal (Box–Muller, computed in double for accuracy).</summary>
    public float NextGaussian()
    {
        double u1 = (NextUInt32() + 1.0) / 4294967297.0; // in (0, 1): log is finite
        double u2 = NextUInt32() / 4294967296.0;
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }

    /// <summary>Fisher–Yates shuffle.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
