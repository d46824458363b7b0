using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>
/// The README's C# programs compile as written, with the generator, in a console project's defaults (implicit usings):
/// the quick start (which <c>.ci/package-check</c> also runs from the package) and the <c>Fit</c> example, with the
/// main job's <c>MnistMlp</c> it names.
/// </summary>
public class ReadmeSnippetTests
{
    // What `dotnet new console` turns on (ImplicitUsings): the README's programs may rely on these and nothing else.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [Fact]
    public void The_quick_start_compiles_as_written() => AssertCompiles(Block("quick-start"));

    [Fact]
    public void The_Fit_example_compiles_with_the_main_jobs_MnistMlp()
    {
        string sample = File.ReadAllText(Path.Combine(GeneratorHarness.RepositoryRoot(), "samples", "Mnist", "Program.cs"));
        var mlp = Regex.Match(sample, @"^\[Network\([^\n]*\)\]\s*\npublic partial class MnistMlp\s*\n\{.*?\n\}", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(mlp.Success, "samples/Mnist/Program.cs no longer declares MnistMlp as the README says");
        AssertCompiles(Block("readme-fit"), "using Compiled.Nets;\n" + mlp.Value);
    }

    /// <summary>The ```csharp block that follows the README's <c>&lt;!-- marker: …</c> comment.</summary>
    private static string Block(string marker)
    {
        string readme = File.ReadAllText(Path.Combine(GeneratorHarness.RepositoryRoot(), "README.md")).Replace("\r\n", "\n");
        int at = readme.IndexOf("<!-- " + marker + ":", StringComparison.Ordinal);
        Assert.True(at >= 0, $"README.md has no '<!-- {marker}:' marker");
        int start = readme.IndexOf("```csharp\n", at, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("\n```", start, StringComparison.Ordinal);
        return readme[start..end];
    }

    private static void AssertCompiles(params string[] sources)
    {
        var result = GeneratorHarness.Run(OutputKind.ConsoleApplication, sources.Append(ImplicitUsings).ToArray());
        var problems = result.GeneratorDiagnostics.Concat(result.CompilationDiagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Id != "CS8019") // CS8019: an implicit using unused
            .Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
