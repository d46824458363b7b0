extern alias generator;
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;
using LayerFamilies = generator::Compiled.Nets.Generators.Layers.LayerFamilies;

namespace Compiled.Nets.Tests;

/// <summary>
/// docs/architecture.md's checklist for a layer family, enforced: every family in the generator's registry has a
/// central-difference check, a PyTorch golden fixture, a snapshot of generated source, an emulated-CUDA check and an ONNX
/// export check, each on a network that uses one of the family's layers.
/// </summary>
public class FamilyChecklistTests
{
    private readonly ITestOutputHelper _output;
    public FamilyChecklistTests(ITestOutputHelper output) => _output = output;

    private static IEnumerable<string> KindsOf(IEnumerable<ITrainableNetwork> networks) =>
        networks.SelectMany(n => n.Layers.Select(l => l.Kind));

    private static readonly Lazy<Dictionary<string, HashSet<string>>> Checks = new(() => new()
    {
        ["finite-difference check"] = KindsOf(GradientCheckTests.Cases().Concat(CnnGradientCheckTests.Cases()).Concat(RecurrentGradientCheckTests.Cases()).Concat(NormalizationGradientCheckTests.Cases())
            .Select(c => ((Func<ITrainableNetwork>)c[1])()).Concat(GenerativeTests.GradientCheckNetworks()).Concat(StochasticTests.GradientCheckNetworks())).ToHashSet(),
        ["PyTorch golden fixture"] = KindsOf(GoldenTests.Networks.Values.Concat(CnnGoldenTests.Networks.Values)
            .Concat(PlanGoldenTests.Networks.Values).Concat(PlanGoldenTests.DropoutNetworks.Values).Concat(RecurrentGoldenTests.Networks.Values)
            .Concat(NormalizationGoldenTests.Networks.Values).Concat(GenerativeTests.Networks.Values).Concat(StochasticTests.Networks.Values)
            .Select(f => f())).ToHashSet(),
        ["emulated-CUDA check"] = KindsOf(CudaKernelTests.EmulatedCases().Select(c => CudaKernelTests.CaseFor((string)c[0]).Network)).ToHashSet(),
        ["snapshot"] = SnapshotKinds(),
        ["ONNX export check"] = OnnxExportTests.ExportedNetworks().Select(c => OnnxExportTests.Create((string)c[0]))
            .SelectMany(n => n.Layers.Select(l => l.Kind)).ToHashSet(),
    });

    /// <summary>The layer kinds in the generator tests' snapshots: each generated Layer names its kind.</summary>
    private static HashSet<string> SnapshotKinds()
    {
        string directory = TestData.RepositoryPath("tests", "Compiled.Nets.Generators.Tests", "Snapshots");
        var kinds = new HashSet<string>();
        foreach (string file in Directory.GetFiles(directory, "*.verified.cs"))
            foreach (Match match in Regex.Matches(File.ReadAllText(file), "new global::Compiled\\.Nets\\.Layer\\(\"[^\"]*\", \"([A-Za-z0-9]+)\""))
                kinds.Add(match.Groups[1].Value);
        return kinds;
    }

    public static IEnumerable<object[]> Families() => LayerFamilies.All.Select(f => new object[] { f.Name });

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_registered_family_is_verified_five_ways(string family)
    {
        var kinds = LayerFamilies.All.Single(f => f.Name == family).AttributeNames.Select(a => a.Substring(0, a.Length - "Attribute".Length)).ToList();
        var missing = new List<string>();
        foreach (var (check, covered) in Checks.Value)
        {
            var present = kinds.Where(covered.Contains).ToList();
            _output.WriteLine($"{family} {check}: {(present.Count == 0 ? "none" : string.Join(", ", present))} of {string.Join(", ", kinds)}");
            if (present.Count == 0) missing.Add(check);
        }
        Assert.True(missing.Count == 0, $"family {family} ({string.Join(", ", kinds)}) has no {string.Join(", no ", missing)}; see docs/architecture.md");
    }

    [Fact]
    public void The_registry_lists_every_layer_attribute_of_the_library()
    {
        var attributes = typeof(LayerAttribute).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && (typeof(LayerAttribute).IsAssignableFrom(t) || t == typeof(InputAttribute) || t == typeof(SequenceInputAttribute) || t == typeof(TokenInputAttribute)))
            .Select(t => t.Name).OrderBy(n => n);
        Assert.Equal(attributes, LayerFamilies.All.SelectMany(f => f.AttributeNames).OrderBy(n => n));
    }
}
