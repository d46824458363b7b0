using System;

namespace Compiled.Nets.Training;

/// <summary>
/// What the console can show. Output redirected to a file or a pipe, or a terminal that says it is dumb
/// (<c>TERM=dumb</c>), takes plain lines only: no escape codes, no status line rewritten in place, no wrapping to a
/// width. <c>NO_COLOR</c> (set and not empty, as no-color.org asks) turns colour off and nothing else.
/// </summary>
public static class ConsoleOutput
{
    /// <summary>Whether standard output takes plain lines only: redirected, or <c>TERM=dumb</c>.</summary>
    public static bool IsPlain => IsPlainFor(Console.IsOutputRedirected, Environment.GetEnvironmentVariable);

    /// <summary>Whether standard output may be coloured: not <see cref="IsPlain"/>, and no <c>NO_COLOR</c>.</summary>
    public static bool UseColor => UseColorFor(Console.IsOutputRedirected, Environment.GetEnvironmentVariable);

    /// <summary><see cref="IsPlain"/> for a given redirection and environment (tests pass their own).</summary>
    internal static bool IsPlainFor(bool outputRedirected, Func<string, string?> environment) =>
        outputRedirected || string.Equals(environment("TERM"), "dumb", StringComparison.Ordinal);

    /// <summary><see cref="UseColor"/> for a given redirection and environment.</summary>
    internal static bool UseColorFor(bool outputRedirected, Func<string, string?> environment) =>
        !IsPlainFor(outputRedirected, environment) && string.IsNullOrEmpty(environment("NO_COLOR"));
}
