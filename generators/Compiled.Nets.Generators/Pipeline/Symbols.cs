using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>Symbol questions the stages share: is it the library's, how to write a name in C#, which hint name a type gets.</summary>
internal static class Symbols
{
    public const string LibraryAssembly = "Compiled.Nets";
    public const string LibraryNamespace = "Compiled.Nets";

    /// <summary>True for a type of the Compiled.Nets library itself, not a user type that shares its name or namespace.</summary>
    public static bool IsLibrary(ITypeSymbol? type) =>
        type is not null and not IErrorTypeSymbol &&
        type.ContainingAssembly?.Name == LibraryAssembly &&
        type.ContainingNamespace?.ToDisplayString() == LibraryNamespace;

    public static bool IsLibraryType(ITypeSymbol? type, string name) => IsLibrary(type) && type!.Name == name;

    /// <summary>The library's [Input] or any attribute deriving from its LayerAttribute.</summary>
    public static bool IsLayerAttribute(INamedTypeSymbol? attribute)
    {
        if (!IsLibrary(attribute)) return false;
        if (attribute!.Name == "InputAttribute") return true;
        for (var t = attribute.BaseType; t is not null; t = t.BaseType)
            if (IsLibraryType(t, "LayerAttribute")) return true;
        return false;
    }

    /// <summary>The library's layer attributes on a property.</summary>
    public static List<AttributeData> LayerAttributes(ISymbol member) =>
        member.GetAttributes().Where(a => IsLayerAttribute(a.AttributeClass)).ToList();

    /// <summary>A name as C# source: keywords get '@' (a verbatim identifier), so `@class` round-trips.</summary>
    public static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    public static bool IsKeyword(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None;

    /// <summary>A dotted namespace with each part escaped ("Fuzz.@struct"); "" for the global namespace.</summary>
    public static string NamespaceOf(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
            parts.Insert(0, Escape(ns.Name));
        return string.Join(".", parts);
    }

    /// <summary>"partial class Outer", "partial record struct Point", … for each containing type, outermost first; names escaped.</summary>
    public static List<string> ContainingTypeHeaders(INamedTypeSymbol type)
    {
        var headers = new List<string>();
        for (var t = type.ContainingType; t is not null; t = t.ContainingType)
            headers.Insert(0, Header(t));
        return headers;
    }

    /// <summary>The header of a partial part of <paramref name="type"/>, type parameters included.</summary>
    public static string Header(INamedTypeSymbol type)
    {
        string keyword = type.IsRecord
            ? (type.TypeKind == TypeKind.Struct ? "record struct" : "record")
            : type.TypeKind switch { TypeKind.Struct => "struct", TypeKind.Interface => "interface", _ => "class" };
        string parameters = type.TypeParameters.Length == 0 ? "" : "<" + string.Join(", ", type.TypeParameters.Select(p => Escape(p.Name))) + ">";
        return $"partial {keyword} {Escape(type.Name)}{parameters}";
    }

    /// <summary>Namespace.Outer+Inner`1, as the runtime names it: unique per type in an assembly.</summary>
    public static string MetadataName(INamedTypeSymbol type)
    {
        string name = type.MetadataName;
        for (var t = type.ContainingType; t is not null; t = t.ContainingType) name = t.MetadataName + "+" + name;
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : "";
        return ns + name;
    }

    /// <summary>
    /// The hint name's stem: the dotted names of the namespace, the containing types and the type (as before), with any
    /// character a hint name cannot hold replaced, the arity of a generic type, and for a file-local type a hash of its
    /// file, since two files may each declare one of the same name.
    /// </summary>
    public static string HintStem(INamedTypeSymbol type)
    {
        var parts = new List<string>();
        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace) parts.Insert(0, ns.Name);
        var types = new List<string>();
        bool fileLocal = false;
        for (var t = type; t is not null; t = t.ContainingType)
        {
            types.Insert(0, t.Arity > 0 ? $"{t.Name}-{t.Arity}" : t.Name);
            fileLocal |= t.IsFileLocal;
        }
        parts.AddRange(types);
        string stem = string.Join(".", parts.Select(Sanitize));
        if (fileLocal)
            stem += ".file-" + StableHash(type.Locations.FirstOrDefault()?.SourceTree?.FilePath ?? "");
        return stem;
    }

    private static string Sanitize(string part)
    {
        var text = new StringBuilder(part.Length);
        foreach (char c in part)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' or '-') text.Append(c);
            else text.Append('_').Append(((int)c).ToString("x4"));
        }
        return text.ToString();
    }

    /// <summary>FNV-1a, 32 bits, as 8 hex digits: the same on every machine and run (string.GetHashCode is not).</summary>
    public static string StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text)
        {
            hash ^= c;
            hash *= 16777619;
        }
        return hash.ToString("x8");
    }

    /// <summary>
    /// The hint name of a network's source (<paramref name="suffix"/> "" for the network, ".Cuda" for its CUDA part, ".stub" for a stub): its
    /// readable stem, unless another network's stem matches it ignoring case (hint names compare so, and a nested
    /// class can spell a namespace), in which case the stem with a hash of the metadata name. Every network decides
    /// from the same collected keys, so the result does not depend on the order the outputs run in.
    /// </summary>
    public static string HintName(string stem, string metadataName, string suffix, IEnumerable<HintKey> all)
    {
        // Another network's stem, or its stem with a part's suffix (X.stub, X.Cuda), would give a file the same name.
        bool clash = all.Any(k => k.MetadataName != metadataName &&
            (Same(k.Stem, stem) || PartSuffixes.Any(p => Same(k.Stem + p, stem) || Same(k.Stem, stem + p))));
        return (clash ? $"{stem}.{StableHash(metadataName)}" : stem) + suffix + ".g.cs";
    }

    /// <summary>The suffix of a network's CUDA part, {stem}.Cuda.g.cs.</summary>
    public const string CudaHintSuffix = ".Cuda";

    private static readonly string[] PartSuffixes = { ".stub", CudaHintSuffix };

    private static bool Same(string a, string b) => string.Equals(a, b, System.StringComparison.OrdinalIgnoreCase);
}
