using System;
using System.Linq;
using Compiled.Nets.Generators.Emit;
using Compiled.Nets.Generators.Hopfield;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Parsing;
using Compiled.Nets.Generators.Pipeline;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Nets.Generators;

/// <summary>
/// The Compiled.Nets generator: [Network] class → NetworkSpec → ShapedNetwork → NetworkPlan → C# source,
/// in two parts per network: {hint}.g.cs (the CPU code and the API) and {hint}.Cuda.g.cs (the CUDA unit and its launches).
/// Each stage is a pure function of the previous model, and every model is equatable, so an edit that
/// does not change a network re-runs nothing after the parse. Each stage runs per network inside a guard
/// (Pipeline/NetworkStages.cs): an exception is CN9999 on that network, and the others still get their code.
/// A network with CN errors gets a stub (Emit/StubEmitter.cs) that implements its layer properties with an
/// exception, so the CN errors are all the user sees. [HopfieldNetwork] classes take a second, smaller pipeline
/// (Hopfield/HopfieldPipeline.cs): parse → check → emit.
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
        public const string Stubs = nameof(Stubs);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(NetworkParser.NetworkAttributeName,
                static (node, _) => node is TypeDeclarationSyntax,
                NetworkStages.Parse)
            .WithTrackingName(Steps.Parse)
            .Where(static p => p.Id is not null);
        var shaped = parsed.Select(NetworkStages.InferShapes).WithTrackingName(Steps.InferShapes);
        var lowered = shaped.Select(NetworkStages.Lower).WithTrackingName(Steps.Lower);

        // Diagnostics and source are separate outputs, so a changed message location alone never re-emits code.
        var diagnostics = lowered.Select(static (r, _) => r.Result.Diagnostics).WithTrackingName(Steps.Diagnostics);
        var plans = lowered.Select(static (r, _) => NetworkStages.PlanOf(r)).Where(static p => p is not null).WithTrackingName(Steps.Plans);
        var stubs = lowered.Select(static (r, _) => NetworkStages.StubOf(r)).Where(static s => s is not null).WithTrackingName(Steps.Stubs);

        // Every network's hint stem, so that two stems equal but for case (or a nested class that spells a namespace) get
        // hashed names; this changes only when a network is added, removed or renamed.
        var hintKeys = parsed
            .Select(static (p, _) => new HintKey(p.Id!.HintName, p.Id.MetadataName))
            .Collect()
            .Select(static (keys, _) => keys.OrderBy(k => k.MetadataName, StringComparer.Ordinal).ToEquatableArray());

        // [HopfieldNetwork] classes: a pipeline of their own (Hopfield/), whose file names keep clear of the networks'.
        HopfieldPipeline.Initialize(context, hintKeys);

        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (var diagnostic in list) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        });
        context.RegisterSourceOutput(plans.Combine(hintKeys), static (spc, input) =>
        {
            var (output, keys) = input;
            string source, cudaSource;
            try
            {
                // Both parts, before either is added: a failure leaves a stub, not half a network.
                source = CSharpEmitter.Emit(output!.Plan);
                cudaSource = CSharpEmitter.EmitCuda(output.Plan);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception exception)
            {
                var id = new NetworkIdentity(output!.NetworkName, output.HintName, output.MetadataName, output.Location);
                spc.ReportDiagnostic(NetworkStages.InternalError(id, "emit", exception).ToDiagnostic());
                if (output.Shell is not null)
                    spc.AddSource(Symbols.HintName(output.HintName, output.MetadataName, ".stub", keys),
                        StubEmitter.Emit(new StubRequest(output.HintName, output.MetadataName, output.NetworkName, output.Shell,
                            new[] { DiagnosticDescriptors.InternalError.Id }.ToEquatableArray())));
                return;
            }
            spc.AddSource(Symbols.HintName(output.HintName, output.MetadataName, "", keys), source);
            spc.AddSource(Symbols.HintName(output.HintName, output.MetadataName, Symbols.CudaHintSuffix, keys), cudaSource);
        });
        context.RegisterSourceOutput(stubs.Combine(hintKeys), static (spc, input) =>
            spc.AddSource(Symbols.HintName(input.Left!.HintName, input.Left.MetadataName, ".stub", input.Right), StubEmitter.Emit(input.Left)));
    }
}
