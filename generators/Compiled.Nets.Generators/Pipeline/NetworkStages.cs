using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Parsing;
using Microsoft.CodeAnalysis;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>
/// The stage functions as the generator calls them: each runs for one network inside a guard, so an exception becomes
/// CN9999 on that network alone (cancellation still propagates), and other networks still get their code.
/// </summary>
internal static class NetworkStages
{
    /// <summary>Reads one [Network] declaration: its identity and shell, the network-level checks, then the parser.</summary>
    public static Staged<NetworkSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.IsDefaultOrEmpty) return Staged<NetworkSpec>.Skip;
        var networkAttribute = context.Attributes[0];
        // A user type that only shares the library attribute's full name is not ours to read.
        if (!Symbols.IsLibraryType(networkAttribute.AttributeClass, "NetworkAttribute")) return Staged<NetworkSpec>.Skip;
        // A class that is also a [HopfieldNetwork] is reported by the Hopfield pipeline (CN0076) and gets no code from either.
        if (type.GetAttributes().Any(a => Symbols.IsLibraryType(a.AttributeClass, "HopfieldNetworkAttribute"))) return Staged<NetworkSpec>.Skip;

        LocationInfo? location = null;
        NetworkIdentity? id = null;
        NetworkShell? shell = null;
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        try
        {
            // Several [Network] parts of one class (the compiler reports the duplicate attribute): read the class once.
            if (!IsFirstAttributedPart(context, type, cancellationToken)) return Staged<NetworkSpec>.Skip;
            location = LocationInfo.From(networkAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation())
                ?? LocationInfo.From(type.Locations.FirstOrDefault());
            id = new NetworkIdentity(type.Name, Symbols.HintStem(type), Symbols.MetadataName(type), location);
            shell = Shells.Read(type, cancellationToken);

            // Half-typed code: the compiler reports the syntax error; emit nothing until it parses.
            if (NetworkChecks.IsHalfTyped(type, cancellationToken)) return new Staged<NetworkSpec>(id, null, new StageResult<NetworkSpec>(null, default));

            NetworkChecks.Check(type, networkAttribute, location, diagnostics, cancellationToken);
            bool checksFailed = diagnostics.Any(d => d.IsError);
            var parsed = NetworkParser.Parse(context, cancellationToken);
            foreach (var diagnostic in parsed.Diagnostics)
            {
                // The parser may trip over a shape the checks already reported; the checks' message is the useful one.
                if (checksFailed && diagnostic.Descriptor == DiagnosticDescriptors.InternalError) continue;
                diagnostics.Add(diagnostic);
            }
            var spec = parsed.Value is null || checksFailed ? null : Adjust(parsed.Value, type, diagnostics, cancellationToken);
            return new Staged<NetworkSpec>(id, shell, new StageResult<NetworkSpec>(spec, diagnostics.ToEquatableArray()));
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            id ??= new NetworkIdentity(type.Name, Symbols.StableHash(type.ToDisplayString()), type.ToDisplayString(), location);
            diagnostics.Add(InternalError(id, "parse", exception));
            return new Staged<NetworkSpec>(id, shell, new StageResult<NetworkSpec>(null, diagnostics.ToEquatableArray()));
        }
    }

    /// <summary>Runs a stage on one network inside the guard.</summary>
    public static Staged<TOut> Run<TIn, TOut>(Staged<TIn> input, string stage, CancellationToken cancellationToken,
        Func<StageResult<TIn>, CancellationToken, StageResult<TOut>> run) where TIn : class where TOut : class
    {
        if (input.Id is null) return Staged<TOut>.Skip;
        try
        {
            return new Staged<TOut>(input.Id, input.Shell, run(input.Result, cancellationToken));
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            var diagnostics = input.Result.Diagnostics.Append(InternalError(input.Id, stage, exception)).ToEquatableArray();
            return new Staged<TOut>(input.Id, input.Shell, new StageResult<TOut>(null, diagnostics));
        }
    }

    /// <summary>Shape inference, then the 64-bit size check.</summary>
    public static Staged<ShapedNetwork> InferShapes(Staged<NetworkSpec> parsed, CancellationToken cancellationToken) =>
        Run(parsed, "shape inference", cancellationToken, (r, ct) => SizeCheck.Check(r.Value, ShapeInference.Infer(r, ct)));

    public static Staged<NetworkPlan> Lower(Staged<ShapedNetwork> shaped, CancellationToken cancellationToken) =>
        Run(shaped, "lowering", cancellationToken, Lowering.Lower);

    public static PlanOutput? PlanOf(Staged<NetworkPlan> lowered) =>
        lowered is { Id: { } id, Result.Value: { } plan }
            ? new PlanOutput(id.HintName, id.MetadataName, id.DisplayName, plan, lowered.Shell) { Location = id.Location }
            : null;

    /// <summary>A stub for a network with CN errors whose shell is known; null otherwise.</summary>
    public static StubRequest? StubOf(Staged<NetworkPlan> lowered)
    {
        if (lowered is not { Id: { } id, Shell: { } shell, Result.Value: null }) return null;
        var errors = lowered.Result.Diagnostics.Where(d => d.IsError).Select(d => d.Descriptor.Id).Distinct().ToList();
        if (errors.Count == 0) return null;
        return new StubRequest(id.HintName, id.MetadataName, id.DisplayName, shell, errors.ToEquatableArray());
    }

    public static DiagnosticInfo InternalError(NetworkIdentity id, string stage, Exception exception) =>
        DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, id.Location, id.DisplayName,
            $"internal error in network {id.DisplayName} ({stage}): {exception.GetType().Name}: {exception.Message}");

    /// <summary>The first declaration of the type that carries a [Network] attribute; a later one is skipped.</summary>
    private static bool IsFirstAttributedPart(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var applications = type.GetAttributes()
            .Where(a => Symbols.IsLibraryType(a.AttributeClass, "NetworkAttribute"))
            .Select(a => a.ApplicationSyntaxReference)
            .Where(r => r is not null)
            .ToList();
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (!applications.Any(a => a!.SyntaxTree == reference.SyntaxTree && reference.Span.Contains(a.Span))) continue;
            return reference.SyntaxTree == context.TargetNode.SyntaxTree && reference.Span == context.TargetNode.Span;
        }
        return true;
    }

    /// <summary>
    /// The parser's spec with the type's names written as C# (keywords escaped: `namespace Fuzz.@struct`, `class @class`)
    /// and layers the user implemented themselves marked as not to be implemented (CN0039).
    /// </summary>
    private static NetworkSpec Adjust(NetworkSpec spec, INamedTypeSymbol type, ImmutableArray<DiagnosticInfo>.Builder diagnostics,
        CancellationToken cancellationToken)
    {
        var typeInfo = new TypeDeclarationInfo(Symbols.NamespaceOf(type), Symbols.Escape(type.Name),
            Symbols.ContainingTypeHeaders(type).ToEquatableArray());
        var layers = spec.Layers.Select(layer =>
        {
            if (!layer.IsPartial) return layer;
            var property = type.GetMembers(layer.Name).OfType<IPropertySymbol>().FirstOrDefault();
            if (property?.PartialImplementationPart is null && property?.IsPartialDefinition != false) return layer;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UserImplementedLayer, layer.Location, layer.Name));
            return layer with { IsPartial = false };
        }).ToEquatableArray();
        return spec with { Type = typeInfo, Layers = layers };
    }
}
