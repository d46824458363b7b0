using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit.Sdk;

namespace Compiled.Nets.Generators.Tests;

/// <summary>
/// A small in-house snapshot check: compares text with Snapshots/{name}.verified.cs. On a difference it
/// writes {name}.received.cs next to it and fails; set COMPILED_NETS_ACCEPT_SNAPSHOTS=1 to accept.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, string name, [CallerFilePath] string callerPath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(callerPath)!, "Snapshots");
        string verifiedPath = Path.Combine(directory, name + ".verified.cs");
        string receivedPath = Path.Combine(directory, name + ".received.cs");
        actual = actual.Replace("\r\n", "\n");
        bool accept = Environment.GetEnvironmentVariable("COMPILED_NETS_ACCEPT_SNAPSHOTS") == "1";
        if (accept)
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(verifiedPath, actual);
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        string? expected = File.Exists(verifiedPath) ? File.ReadAllText(verifiedPath).Replace("\r\n", "\n") : null;
        if (expected == actual)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }
        File.WriteAllText(receivedPath, actual);
        throw new XunitException(expected is null
            ? $"No snapshot {verifiedPath}; wrote {receivedPath}. Review it and rerun with COMPILED_NETS_ACCEPT_SNAPSHOTS=1."
            : $"Generated source differs from {verifiedPath} at line {FirstDifferentLine(expected, actual)}; wrote {receivedPath}. " +
              "If the change is intended, rerun with COMPILED_NETS_ACCEPT_SNAPSHOTS=1.");
    }

    private static int FirstDifferentLine(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++) if (a[i] != b[i]) return i + 1;
        return Math.Min(a.Length, b.Length) + 1;
    }
}
