using System;
using System.Diagnostics;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit;

namespace Compiled.Nets.Tests;

/// <summary>
/// Finds clang-19 and g++ for the CUDA checks. Without them the tests are skipped with a reason naming the
/// package; CI sets COMPILED_NETS_REQUIRE_CUDA_CHECKS=1, which turns a missing tool into a failure instead.
/// </summary>
internal static class CudaToolchain
{
    public const string Clang = "clang-19";
    public const string Gxx = "g++";

    public static bool Required => Environment.GetEnvironmentVariable("COMPILED_NETS_REQUIRE_CUDA_CHECKS") == "1";

    public static bool OnPath(string tool)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            if (directory.Length > 0 && File.Exists(Path.Combine(directory, tool))) return true;
        return false;
    }

    public static string KernelsDirectory([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "kernels"));

    /// <summary>Runs a tool; returns exit code, stdout, stderr and the wall time.</summary>
    public static (int ExitCode, string Output, string Errors, TimeSpan Elapsed) Run(string tool, string arguments, string workingDirectory)
    {
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo(tool, arguments)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, errors, clock.Elapsed);
    }
}

/// <summary>A fact that needs external tools: skipped (visibly, with the package to install) where they are missing.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        foreach (string tool in tools)
            if (!CudaToolchain.OnPath(tool) && !CudaToolchain.Required)
                Skip = $"needs {tool} on PATH (apt-get install {(tool == CudaToolchain.Clang ? "clang-19" : "g++")})";
    }
}

/// <summary>The theory counterpart of <see cref="ToolFactAttribute"/>.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools)
    {
        foreach (string tool in tools)
            if (!CudaToolchain.OnPath(tool) && !CudaToolchain.Required)
                Skip = $"needs {tool} on PATH (apt-get install {(tool == CudaToolchain.Clang ? "clang-19" : "g++")})";
    }
}
