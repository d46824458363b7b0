using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Nets.Generators.Hopfield;

/// <summary>
/// Reads a [HopfieldNetwork] class into a <see cref="HopfieldDeclaration"/>. Runs on every edit of the class, so it never
/// throws (an exception becomes CN9999 on that class) and gives nothing for code that does not bind yet: a half-typed
/// attribute or class gets neither code nor diagnostics until it parses, and the compiler's own error says what is wrong.
/// </summary>
internal static class HopfieldParser
{
    public const string AttributeName = "Compiled.Nets.HopfieldNetworkAttribute";

    /// <summary>Null for a declaration the generator leaves alone (another part of the class, a user type of the same name, code that does not bind).</summary>
    public static HopfieldParsed? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.IsDefaultOrEmpty) return null;
        var attribute = context.Attributes[0];
        if (!Symbols.IsLibraryType(attribute.AttributeClass, "HopfieldNetworkAttribute")) return null;
        LocationInfo? location = null;
        try
        {
            location = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation())
                ?? LocationInfo.From(type.Locations.FirstOrDefault());
            // The attribute allows classes only; on a struct or interface the compiler reports CS0592.
            if (type.TypeKind != TypeKind.Class) return null;
            if (!IsFirstAttributedPart(context, type, cancellationToken)) return null;
            if (NetworkChecks.IsHalfTyped(type, cancellationToken)) return null;
            if (!TryReadNeurons(attribute, cancellationToken, out int? neurons)) return null;
            // An attribute the compiler reports an error in (1.5 for an int, a name twice, an unknown setting): wait until it is fixed.
            if (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is { } syntax && syntax.SyntaxTree == context.SemanticModel.SyntaxTree &&
                context.SemanticModel.GetDiagnostics(syntax.Span, cancellationToken).Any(d => d.Severity == DiagnosticSeverity.Error))
                return null;

            var declaration = new HopfieldDeclaration
            {
                DisplayName = type.Name,
                TypeName = Symbols.Escape(type.Name),
                Namespace = Symbols.NamespaceOf(type),
                ContainingTypes = Symbols.ContainingTypeHeaders(type).ToEquatableArray(),
                HintStem = Symbols.HintStem(type),
                MetadataName = Symbols.MetadataName(type),
                Location = location,
                Neurons = neurons,
                TypeProblem = TypeProblem(type, cancellationToken),
                AlsoNetwork = type.GetAttributes().Any(a => Symbols.IsLibraryType(a.AttributeClass, "NetworkAttribute")),
            };
            return new HopfieldParsed(declaration, EquatableArray<DiagnosticInfo>.Empty);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            var error = DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, type.Name,
                $"internal error in Hopfield network {type.Name} (parse): {exception.GetType().Name}: {exception.Message}");
            return new HopfieldParsed(null, new[] { error }.ToEquatableArray());
        }
    }

    /// <summary>
    /// The Neurons argument: false when it does not bind (a non-constant or mistyped value, CS0182 or CS0029: wait for the
    /// compiler's error to be fixed); null when it is not given.
    /// </summary>
    private static bool TryReadNeurons(AttributeData attribute, CancellationToken cancellationToken, out int? neurons)
    {
        neurons = null;
        if (attribute.AttributeConstructor is null) return false; // e.g. [HopfieldNetwork(100)]: no such constructor (CS1729)
        if (attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error)) return false;
        bool written = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList: { } arguments } &&
            arguments.Arguments.Any(a => a.NameEquals?.Name.Identifier.ValueText == "Neurons");
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Value.Kind == TypedConstantKind.Error) return false;
            if (argument.Key != "Neurons") continue;
            if (argument.Value.Value is not int value) return false;
            neurons = value;
        }
        return neurons is not null || !written;
    }

    /// <summary>The first reason the type cannot take a generated part, or null.</summary>
    private static string? TypeProblem(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (!IsPartial(t, cancellationToken))
                return ReferenceEquals(t, type)
                    ? "it is not declared partial, so the generator cannot add the memory's code to it"
                    : $"its containing type '{t.Name}' is not declared partial, so the generator cannot add the memory's code to it";
        }
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal)
                return ReferenceEquals(t, type) ? "it is declared 'file', so no other file can add to it" : $"its containing type '{t.Name}' is declared 'file'";
            if (t.Arity > 0)
                return ReferenceEquals(t, type) ? "it is generic; the size is fixed at compile time, so a memory is a class without type parameters" : $"its containing type '{t.Name}' is generic";
        }
        if (type.IsStatic) return "it is static, and a memory holds its weights in an instance";
        if (type.IsRecord) return "it is a record, whose generated members would clash with the memory's; declare a partial class";
        foreach (var member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member.IsImplicitlyDeclared) continue;
            if (!HopfieldEmitter.GeneratedMembers.TryGetValue(member.Name, out var signatures)) continue;
            if (signatures is null || member is not IMethodSymbol method)
                return $"it declares '{member.Name}', a name the generated code uses (see docs/hopfield.md); rename it";
            string parameters = string.Join(", ", method.Parameters.Select(p => p.Type.ToDisplayString()));
            if (signatures.Contains(parameters))
                return $"it declares {member.Name}({parameters}), a method the generated code declares; rename it or change its parameters";
        }
        return null;
    }

    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    /// <summary>The first declaration of the type that carries the attribute (the compiler reports a duplicate); a later one is skipped.</summary>
    private static bool IsFirstAttributedPart(GeneratorAttributeSyntaxContext context, INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var applications = type.GetAttributes()
            .Where(a => Symbols.IsLibraryType(a.AttributeClass, "HopfieldNetworkAttribute"))
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
}
