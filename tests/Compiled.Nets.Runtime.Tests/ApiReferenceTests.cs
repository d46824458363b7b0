using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Xml.Linq;
using Xunit;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// docs/api is generated from the XML documentation: with COMPILED_NETS_ACCEPT_SNAPSHOTS=1 this writes it; otherwise it
/// fails when the committed files differ from what it would write, so the reference cannot go stale.
/// </summary>
public sealed class ApiReferenceTests
{
    private static ApiReference Load()
    {
        var assembly = typeof(Layer).Assembly;
        string xml = Path.ChangeExtension(assembly.Location, ".xml");
        Assert.True(File.Exists(xml), $"No XML documentation next to {assembly.Location}: GenerateDocumentationFile must stay on.");
        return new ApiReference(assembly, XDocument.Load(xml));
    }

    [Fact]
    public void Every_public_type_and_member_has_a_summary()
    {
        var reference = Load();
        Assert.True(reference.Types.Count > 100, $"only {reference.Types.Count} public types found"); // the reflection found the API
        var missing = reference.Undocumented();
        Assert.True(missing.Count == 0, "No <summary>: " + string.Join(", ", missing));
    }

    [Fact]
    public void Committed_reference_matches_the_documentation()
    {
        var files = Load().Render();
        string directory = Path.Combine(RepositoryRoot(), "docs", "api");
        if (Environment.GetEnvironmentVariable("COMPILED_NETS_ACCEPT_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(directory);
            foreach (string stale in Directory.GetFiles(directory, "*.md").Where(f => !files.ContainsKey(Path.GetFileName(f))))
                File.Delete(stale);
            foreach (var (name, text) in files) File.WriteAllText(Path.Combine(directory, name), text);
            return;
        }
        const string Fix = "Run COMPILED_NETS_ACCEPT_SNAPSHOTS=1 dotnet test tests/Compiled.Nets.Runtime.Tests --filter FullyQualifiedName~ApiReference and commit docs/api.";
        var committed = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.md").Select(Path.GetFileName).OfType<string>().OrderBy(n => n, StringComparer.Ordinal).ToList()
            : [];
        Assert.True(committed.SequenceEqual(files.Keys), $"docs/api holds [{string.Join(", ", committed)}], the reference [{string.Join(", ", files.Keys)}]. {Fix}");
        foreach (var (name, text) in files)
        {
            string actual = File.ReadAllText(Path.Combine(directory, name)).Replace("\r\n", "\n");
            Assert.True(actual == text, $"docs/api/{name} differs from the XML documentation at line {FirstDifferentLine(actual, text)}. {Fix}");
        }
    }

    [Fact]
    public void Diagnostics_catalogue_lists_every_descriptor_with_its_severity_and_title()
    {
        // The descriptors are read from the generator's source: this project does not reference the generator.
        string root = RepositoryRoot();
        string source = File.ReadAllText(Path.Combine(root, "generators", "Compiled.Nets.Generators", "DiagnosticDescriptors.cs"));
        string catalogue = File.ReadAllText(Path.Combine(root, "docs", "diagnostics.md")).Replace("\r\n", "\n");
        var descriptors = System.Text.RegularExpressions.Regex.Matches(source, "\\b(Error|Warning)\\(\"(CN[0-9]{4})\",\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
        Assert.True(descriptors.Count > 60, $"only {descriptors.Count} descriptors found in DiagnosticDescriptors.cs");
        foreach (System.Text.RegularExpressions.Match d in descriptors)
        {
            string severity = d.Groups[1].Value, id = d.Groups[2].Value, title = d.Groups[3].Value;
            Assert.Contains($"| [{id}](#{id.ToLowerInvariant()}) | {severity} | {title} |", catalogue);  // the table
            Assert.Contains($"## {id}\n**{severity} — {title}.**", catalogue);                          // the section
        }
    }

    private static int FirstDifferentLine(string a, string b)
    {
        string[] x = a.Split('\n'), y = b.Split('\n');
        for (int i = 0; i < Math.Min(x.Length, y.Length); i++) if (x[i] != y[i]) return i + 1;
        return Math.Min(x.Length, y.Length) + 1;
    }

    private static string RepositoryRoot([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", ".."));
}
