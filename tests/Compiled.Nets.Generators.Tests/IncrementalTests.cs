using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

public class IncrementalTests
{
    private const string Network = """
        using Compiled.Nets;
        [Network(Loss = Loss.BinaryCrossEntropy)]
        public partial class Xor
        {
            [Input(2)] public partial Layer X { get; }
            [Dense(4, Activation.Tanh)] public partial Layer Hidden { get; }
            [Dense(1, Activation.Logistic)] public partial Layer Y { get; }
        }
        """;

    private static readonly string[] TrackedSteps =
    {
        NetworkGenerator.Steps.Parse, NetworkGenerator.Steps.InferShapes, NetworkGenerator.Steps.Lower,
        NetworkGenerator.Steps.Diagnostics, NetworkGenerator.Steps.Plans,
    };

    [Fact]
    public void Unrelated_edit_leaves_every_tracked_step_cached()
    {
        var compilation = GeneratorHarness.Compile(Network, "public class Other { public int A; }");
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);

        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Last(),
            CSharpSyntaxTree.ParseText("public class Other { public int A; public int B; }", GeneratorHarness.ParseOptions, path: "File1.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();

        foreach (string step in TrackedSteps)
        {
            Assert.True(result.TrackedSteps.ContainsKey(step), $"step {step} was not tracked");
            foreach (var run in result.TrackedSteps[step])
                foreach (var output in run.Outputs)
                    Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                        $"step {step} re-ran: {output.Reason}");
        }
    }

    [Fact]
    public void Editing_the_network_reruns_the_pipeline()
    {
        var compilation = GeneratorHarness.Compile(Network);
        var driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
        var edited = compilation.ReplaceSyntaxTree(compilation.SyntaxTrees.Single(),
            CSharpSyntaxTree.ParseText(Network.Replace("Dense(4", "Dense(8"), GeneratorHarness.ParseOptions, path: "File0.cs"));
        var result = driver.RunGenerators(edited).GetRunResult().Results.Single();
        var lower = result.TrackedSteps[NetworkGenerator.Steps.Lower].Single().Outputs.Single();
        Assert.Equal(IncrementalStepRunReason.Modified, lower.Reason);
    }
}
