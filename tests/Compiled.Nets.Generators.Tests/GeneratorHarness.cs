using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Compiled.Nets.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Nets.Generators.Tests;

/// <summary>Runs the generator over in-memory sources, the way the compiler does in a user's build.</summary>
internal static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Lazy<MetadataReference[]> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(Compiled.Nets.NetworkAttribute).Assembly.Location))
            .ToArray());

    public static CSharpCompilation Compile(params string[] sources) =>
        CSharpCompilation.Create("UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"File{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            new[] { new NetworkGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public sealed record Result(
        GeneratorRunResult Run,
        ImmutableArray<Diagnostic> GeneratorDiagnostics,
        ImmutableArray<Diagnostic> CompilationDiagnostics)
    {
        public string SourceFor(string hintName) =>
            Run.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();
    }

    /// <summary>Runs the generator, then compiles the user's code together with what it generated.</summary>
    public static Result Run(params string[] sources) => Run(OutputKind.DynamicallyLinkedLibrary, sources);

    /// <summary><see cref="Run(string[])"/> for an assembly of the given kind (a console program has top-level statements).</summary>
    public static Result Run(OutputKind kind, params string[] sources)
    {
        var compilation = Compile(sources).WithOptions(new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var run = driver.GetRunResult().Results.Single();
        if (run.Exception is not null) throw new InvalidOperationException("The generator threw.", run.Exception);
        return new Result(run, generatorDiagnostics, output.GetDiagnostics());
    }

    /// <summary>The repository's root folder, from this file's place in it.</summary>
    public static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));

    /// <summary>1-based line of the first line of <paramref name="source"/> containing <paramref name="marker"/>.</summary>
    public static int LineOf(string source, string marker)
    {
        var lines = source.Replace("\r\n", "\n").Split('\n');
        int index = Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal));
        if (index < 0) throw new ArgumentException($"marker '{marker}' not found");
        return index + 1;
    }
}
