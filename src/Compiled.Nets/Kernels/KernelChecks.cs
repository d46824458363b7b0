using System.ComponentModel;
using System;
using System.Diagnostics.CodeAnalysis;

namespace Compiled.Nets.CompilerServices;

/// <summary>
/// The checks at a kernel's entry. The kernels' loops read and write without bounds checks, so before the first access
/// every span must hold what the shape arguments say. Needed lengths are 64-bit products, so a huge or negative shape
/// cannot wrap around to a length that passes; once they pass, every index the loops compute fits in an int.
/// Each check is O(1): the loops themselves are unchanged.
/// </summary>
internal static class KernelChecks
{
    /// <summary>Throws unless <paramref name="actual"/> is exactly <paramref name="needed"/>.</summary>
    public static void Length(string kernel, string argument, int actual, long needed)
    {
        if (actual != needed) ThrowLength(kernel, argument, actual, needed, exactly: true);
    }

    /// <summary>Throws unless <paramref name="actual"/> is at least <paramref name="needed"/> (a workspace may be larger).</summary>
    public static void AtLeast(string kernel, string argument, int actual, long needed)
    {
        if (actual < needed) ThrowLength(kernel, argument, actual, needed, exactly: false);
    }

    /// <summary>Throws unless a shape argument is 0 or more.</summary>
    public static void NonNegative(string kernel, string argument, int value)
    {
        if (value < 0) ThrowNegative(kernel, argument, value);
    }

    /// <summary>Throws unless a shape argument is 1 or more.</summary>
    public static void Positive(string kernel, string argument, int value)
    {
        if (value <= 0)
            throw new ArgumentOutOfRangeException(argument, value, $"{kernel}: {argument} is {value}, but it must be positive.");
    }

    [DoesNotReturn]
    private static void ThrowLength(string kernel, string argument, int actual, long needed, bool exactly) =>
        throw new ArgumentException(
            $"{kernel}: {argument} has length {actual}, but the shape arguments need {(exactly ? "" : "at least ")}{needed}.", argument);

    [DoesNotReturn]
    private static void ThrowNegative(string kernel, string argument, int value) =>
        throw new ArgumentOutOfRangeException(argument, value, $"{kernel}: {argument} is {value}, but a size cannot be negative.");
}
