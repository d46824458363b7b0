using System;
using System.Linq;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Nets.Generators.Hopfield;

/// <summary>
/// The [HopfieldNetwork] pipeline, beside the [Network] one: class → HopfieldParsed (HopfieldParser) → HopfieldSpec
/// (HopfieldChecks) → {hint}.Hopfield.g.cs (HopfieldEmitter). Diagnostics and source are separate outputs, and the spec
/// holds no location, so moving a declaration or editing another file re-emits nothing.
/// </summary>
internal static class HopfieldPipeline
{
    /// <summary>Tracking names of the steps (tests assert they stay cached).</summary>
    public static class Steps
    {
        public const string Parse = "HopfieldParse";
        public const string Check = "HopfieldCheck";
        public const string Diagnostics = "HopfieldDiagnostics";
        public const string Specs = "HopfieldSpecs";
    }

    /// <summary>The suffix of a memory's hint name: {stem}.Hopfield.g.cs.</summary>
    public const string HintSuffix = ".Hopfield";

    /// <param name="networkHintKeys">The [Network] classes' hint keys, so a memory's file name never meets a network's.</param>
    public static void Initialize(IncrementalGeneratorInitializationContext context, IncrementalValueProvider<EquatableArray<HintKey>> networkHintKeys)
    {
        var parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(HopfieldParser.AttributeName,
                static (node, _) => node is TypeDeclarationSyntax, // records too, to report them (CN0075)
                HopfieldParser.Parse)
            .Where(static p => p is not null)
            .WithTrackingName(Steps.Parse);
        var checkedSpecs = parsed.Select(static (p, ct) => HopfieldChecks.Check(p!, ct)).WithTrackingName(Steps.Check);
        var diagnostics = checkedSpecs.Select(static (r, _) => r.Diagnostics).WithTrackingName(Steps.Diagnostics);
        var specs = checkedSpecs.Select(static (r, _) => r.Value).Where(static s => s is not null).WithTrackingName(Steps.Specs);

        // Hint keys of every memory (its stem with the suffix) and every network: a clash, ignoring case, gets a hash.
        var keys = parsed
            .Where(static p => p!.Declaration is not null)
            .Select(static (p, _) => new HintKey(p!.Declaration!.HintStem + HintSuffix, p.Declaration.MetadataName))
            .Collect()
            .Combine(networkHintKeys)
            .Select(static (input, _) => input.Left.Concat(input.Right).OrderBy(k => k.MetadataName, StringComparer.Ordinal)
                .ThenBy(k => k.Stem, StringComparer.Ordinal).ToEquatableArray());

        context.RegisterSourceOutput(diagnostics, static (spc, list) =>
        {
            foreach (var diagnostic in list) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        });
        context.RegisterSourceOutput(specs.Combine(keys), static (spc, input) =>
        {
            var (spec, all) = input;
            string source;
            try
            {
                source = HopfieldEmitter.Emit(spec!);
            }
            catch (OperationCanceledException)
            {
                throw;
            }
            catch (Exception exception)
            {
                spc.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InternalError, null, spec!.DisplayName,
                    $"internal error in Hopfield network {spec.DisplayName} (emit): {exception.GetType().Name}: {exception.Message}"));
                return;
            }
            spc.AddSource(Symbols.HintName(spec!.HintStem + HintSuffix, spec.MetadataName, "", all), source);
        });
    }
}
