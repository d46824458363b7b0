using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Compiled.Nets.IO;
using Xunit;
using Xunit.Abstractions;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// Real kills, beside SafeTensorsRobustnessTests' simulated ones: a child process saves a 4 MB weight file over and
/// over, and is killed (SIGKILL, no cleanup) at random moments. The file at the path must always be one whole save.
/// </summary>
public class SaveKillTests
{
    private readonly ITestOutputHelper _output;
    public SaveKillTests(ITestOutputHelper output) => _output = output;

    private const int Floats = 1_000_000;

    [Fact]
    public void A_save_killed_at_random_moments_leaves_the_old_or_the_new_whole_file()
    {
        string child = ChildAssembly();
        using var directory = new TempDirectory();
        string path = directory.File("weights.safetensors");
        var random = new Random(11);
        var storage = new float[Floats];
        var tensors = new[] { new NamedTensor("a", new[] { Floats / 2 }, storage, 0), new NamedTensor("b", new[] { Floats - Floats / 2 }, storage, Floats / 2) };
        int fileVersion = 0; // none yet
        int nextVersion = 1, midSave = 0, temporariesBefore = 0;
        const int kills = 50;
        for (int k = 0; k < kills; k++)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string argument in new[] { child, path, Floats.ToString(), nextVersion.ToString() }) start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            // Wait for the first save about half the time, so kills land before, during and between saves.
            string firstLine = random.Next(2) == 0 ? process.StandardOutput.ReadLine() + "\n" : "";
            System.Threading.Thread.Sleep(random.Next(0, 120));
            process.Kill();
            process.WaitForExit();
            int[] reported = Regex.Matches(firstLine + process.StandardOutput.ReadToEnd(), @"saved (\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToArray();
            int lastReported = reported.Length > 0 ? reported.Max() : 0;
            // A temporary file no earlier kill left means this kill interrupted a save.
            int temporaries = Directory.GetFiles(directory.Path, "weights.safetensors.tmp-*").Length;
            if (temporaries > temporariesBefore) midSave++;
            temporariesBefore = temporaries;

            if (fileVersion == 0 && !File.Exists(path))
            {
                Assert.Equal(0, lastReported);
                continue; // killed before its first save completed: there never was a file
            }
            // A whole file: it loads (every check of the reader), and every value is one version.
            SafeTensors.Load(tensors, path);
            int version = (int)storage[0];
            Assert.True(storage.All(v => v == version), $"kill {k}: the file mixes versions");
            // Old or new: the previous file, or a save of this run no older than its last reported one
            // (the rename may complete just before the kill, ahead of the "saved" line).
            Assert.True(version == fileVersion || (version >= Math.Max(nextVersion, lastReported) && version <= Math.Max(nextVersion, lastReported + 1)),
                $"kill {k}: file version {version}, previous {fileVersion}, this run started at {nextVersion} and reported {lastReported}");
            fileVersion = version;
            nextVersion = Math.Max(version, lastReported) + 1;
        }
        _output.WriteLine($"{kills} kills, {midSave} of them left a temporary file (killed mid-save); last version {fileVersion}");
        Assert.True(midSave >= 10, $"only {midSave} of {kills} kills landed during a save");
    }

    /// <summary>The child's assembly, built beside this one's configuration (the test project builds it first).</summary>
    private static string ChildAssembly()
    {
        string here = AppContext.BaseDirectory; // …/tests/Compiled.Nets.Runtime.Tests/bin/<configuration>/net10.0/
        string configuration = new DirectoryInfo(here).Parent!.Name;
        string tests = Path.GetFullPath(Path.Combine(here, "..", "..", "..", ".."));
        string child = Path.Combine(tests, "Compiled.Nets.SaveUnderKill", "bin", configuration, "net10.0", "Compiled.Nets.SaveUnderKill.dll");
        Assert.True(File.Exists(child), $"the child process is not built: {child}");
        return child;
    }
}
