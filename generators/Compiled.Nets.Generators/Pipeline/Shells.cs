using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Compiled.Nets.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>Reads a <see cref="NetworkShell"/>: what a stub part of a network with errors declares.</summary>
internal static class Shells
{
    private static readonly SymbolDisplayFormat TypeFormat = SymbolDisplayFormat.FullyQualifiedFormat
        .AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>The shell, or null when no part can be added to the type (not partial, file-local) or nothing needs one.</summary>
    public static NetworkShell? Read(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal || !IsPartial(t, cancellationToken) || t.TypeKind is not (TypeKind.Class or TypeKind.Struct or TypeKind.Interface))
                return null;
        }
        var members = new List<StubMember>();
        foreach (var member in type.GetMembers())
        {
            if (member is not IPropertySymbol { IsPartialDefinition: true, PartialImplementationPart: null } property) continue;
            if (Symbols.LayerAttributes(property).Count == 0) continue;
            var stub = Member(property, cancellationToken);
            if (stub is not null) members.Add(stub);
        }
        if (members.Count == 0) return null;
        return new NetworkShell(Symbols.NamespaceOf(type), Symbols.ContainingTypeHeaders(type).ToEquatableArray(), Symbols.Header(type),
            members.ToEquatableArray());
    }

    private static StubMember? Member(IPropertySymbol property, CancellationToken cancellationToken)
    {
        if (property.IsAbstract || property.IsExtern) return null; // cannot have a body: the CN error says so
        if (property.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is not BasePropertyDeclarationSyntax syntax) return null;
        if (syntax.Modifiers.Any(SyntaxKind.UnsafeKeyword)) return null;
        if (HasErrorType(property.Type) || property.Parameters.Any(p => HasErrorType(p.Type))) return null;

        var modifiers = syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text).Distinct().ToList();
        string refKind = property.ReturnsByRefReadonly ? "ref readonly " : property.ReturnsByRef ? "ref " : "";
        string type = property.Type.ToDisplayString(TypeFormat);
        string name = property.IsIndexer
            ? "this[" + string.Join(", ", property.Parameters.Select(p => $"{p.Type.ToDisplayString(TypeFormat)} {Symbols.Escape(p.Name)}")) + "]"
            : Symbols.Escape(property.Name);
        string declaration = string.Join(" ", modifiers.Append("partial")) + $" {refKind}{type} {name}";

        var accessors = new List<string>();
        foreach (var accessor in syntax.AccessorList?.Accessors ?? default)
        {
            string keyword = accessor.Keyword.Text;
            if (keyword is not ("get" or "set" or "init")) return null;
            string accessorModifiers = string.Join(" ", accessor.Modifiers.Select(m => m.Text));
            accessors.Add(accessorModifiers.Length > 0 ? $"{accessorModifiers} {keyword}" : keyword);
        }
        if (accessors.Count == 0) return null;
        return new StubMember(declaration, accessors.ToEquatableArray());
    }

    private static bool HasErrorType(ITypeSymbol type) => type switch
    {
        IErrorTypeSymbol => true,
        IArrayTypeSymbol array => HasErrorType(array.ElementType),
        IPointerTypeSymbol pointer => HasErrorType(pointer.PointedAtType),
        INamedTypeSymbol named => named.TypeArguments.Any(HasErrorType),
        _ => false,
    };

    public static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));
}
