using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Parsing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Nets.Generators;

/// <summary>
/// The Compiled.Nets generator: [Network] class → NetworkSpec → ShapedNetwork → NetworkPlan → C# source.
/// Each stage is a pure function of the previous model, and every model is equatable, so an edit that
/// does not change a network re-runs nothing after the parse.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class NetworkGenerator : IIncrementalGenerator
{
    /// <summary>Tracking names of the pipeline steps (tests assert they stay cached).</summary>
    public static class Steps
    {
        public const string Parse = nameof(Parse);
        public const string InferShapes = nameof(InferShapes);
        public const string Lower = nameof(Lower);
        public const string Diagnostics = nameof(Diagnostics);
        public const string Plans = nameof(Plans);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(NetworkParser.NetworkAttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                NetworkParser.Parse)
            .WithTrackingName(Steps.Parse);
        var shaped = parsed.Select(ShapeInference.Infer).WithTrackingName(Steps.InferShapes);
        var lowered = shaped.Select(Lowering.Lower).WithTrackingName(Steps.Lower);

        // Diagnostics and source are separate outputs, so a changed message location alone never re-emits code.
        var diagnostics = lowered.Select(static (r, _) => r.Diagnostics).WithTrackingName(Steps.Diagnostics);
        var plans = lowered.Select(static (r, _) => r.Value).Where(static p => p is not null).WithTrackingName(Steps.Plans);

        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (var diagnostic in list) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        });
        context.RegisterSourceOutput(plans, static (spc, plan) =>
        {
            string hint = string.Join(".", plan!.Type.ContainingTypes.Select(h => h.Split(' ').Last()).Concat(new[] { plan.Type.Name }));
            string prefix = plan.Type.Namespace.Length > 0 ? plan.Type.Namespace + "." : "";
            spc.AddSource($"{prefix}{hint}.g.cs", CSharpEmitter.Emit(plan));
        });
    }
}
