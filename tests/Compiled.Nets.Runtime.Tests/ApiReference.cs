using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Compiled.Nets.Runtime.Tests;

/// <summary>
/// Writes the markdown API reference (docs/api) from an assembly's public types, found by reflection, and the XML
/// documentation file the compiler wrote next to it. The documentation is matched by its member IDs
/// (<c>M:Compiled.Nets.Layer.#ctor(System.String,…)</c>), so the ID rules of the C# compiler are rebuilt here.
/// </summary>
internal sealed class ApiReference
{
    /// <summary>The namespace whose types only generated code calls: listed in one section of the index, not member by member.</summary>
    public const string CompilerServices = "Compiled.Nets.CompilerServices";

    private readonly Assembly _assembly;
    private readonly Dictionary<string, XElement> _docs;
    private readonly NullabilityInfoContext _nullability = new();

    public ApiReference(Assembly assembly, XDocument documentation)
    {
        _assembly = assembly;
        _docs = documentation.Root!.Element("members")!.Elements("member")
            .ToDictionary(m => (string)m.Attribute("name")!, m => m);
    }

    /// <summary>The public types, sorted by full name (nested types after their parent).</summary>
    public IReadOnlyList<Type> Types => _assembly.GetExportedTypes()
        .OrderBy(t => t.Namespace, StringComparer.Ordinal).ThenBy(TypeName, StringComparer.Ordinal).ToList();

    /// <summary>The members of a public type that its users see: public and protected, declared by the type itself.</summary>
    public static IEnumerable<MemberInfo> Members(Type type)
    {
        if (typeof(Delegate).IsAssignableFrom(type)) yield break; // a delegate's Invoke and constructor are the type itself
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var accessors = new HashSet<MethodInfo>();
        foreach (var p in type.GetProperties(all)) accessors.UnionWith(p.GetAccessors(true));
        foreach (var e in type.GetEvents(all))
        {
            if (e.AddMethod is { } add) accessors.Add(add);
            if (e.RemoveMethod is { } remove) accessors.Add(remove);
        }
        bool isRecord = IsRecord(type);
        var members = type.GetMembers(all).Where(m => m switch
        {
            MethodInfo method => Visible(method) && !accessors.Contains(method),
            ConstructorInfo ctor => Visible(ctor) && !ctor.IsStatic && !(isRecord && IsCopyConstructor(ctor, type))
                && !IsImplicitConstructor(ctor, type),
            PropertyInfo property => property.GetAccessors(true).Any(Visible),
            FieldInfo field => (field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly) && !field.IsSpecialName,
            EventInfo e => e.AddMethod is { } add && Visible(add),
            _ => false,
        }).Where(m => !m.IsDefined(typeof(CompilerGeneratedAttribute), false) && !m.Name.Contains('<'));
        // Constructors first, then by kind and name; overloads by their ID so the order is stable.
        foreach (var m in members.OrderBy(Rank).ThenBy(m => m.Name, StringComparer.Ordinal).ThenBy(DocId, StringComparer.Ordinal))
            yield return m;
    }

    private static int Rank(MemberInfo m) => m switch
    {
        ConstructorInfo => 0,
        FieldInfo => 1,
        PropertyInfo => 2,
        EventInfo => 3,
        _ => 4,
    };

    private static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    /// <summary>
    /// The parameterless constructor the compiler adds to a type that declares none (no documentation is asked of it).
    /// Reflection cannot tell it from a declared one, so this takes a type's only constructor (a record's copy constructor aside), parameterless, as implicit;
    /// CS1591 catches a declared one left undocumented.
    /// </summary>
    private static bool IsImplicitConstructor(ConstructorInfo ctor, Type type) =>
        ctor.GetParameters().Length == 0
        && type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Count(c => !(IsRecord(type) && IsCopyConstructor(c, type))) == 1;

    private static bool IsCopyConstructor(ConstructorInfo ctor, Type type) =>
        ctor.GetParameters() is [{ } only] && only.ParameterType == type;

    /// <summary>A record declares a compiler-written PrintMembers (protected in a class, private in a struct).</summary>
    private static bool IsRecord(Type type) =>
        type.GetMethod("PrintMembers", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, [typeof(StringBuilder)]) is { } m
        && m.IsDefined(typeof(CompilerGeneratedAttribute), false);

    // ---- Summaries ------------------------------------------------------------------------------------------------

    /// <summary>The member's summary as markdown, or null where it has none (an empty one counts as none).</summary>
    public string? Summary(MemberInfo member)
    {
        XElement? summary = null;
        if (_docs.TryGetValue(DocId(member), out var entry)) summary = entry.Element("summary");
        // A positional record's property is documented by the record's <param>.
        if (summary is null && member is PropertyInfo && member.DeclaringType is { } owner && IsRecord(owner)
            && _docs.TryGetValue(DocId(owner), out var ownerEntry))
            summary = ownerEntry.Elements("param").FirstOrDefault(p => (string?)p.Attribute("name") == member.Name);
        if (summary is null) return null;
        string text = Markdown(summary);
        return text.Length == 0 ? null : text;
    }

    private static string Markdown(XElement element)
    {
        var sb = new StringBuilder();
        foreach (var node in element.Nodes()) Append(sb, node);
        return Regex.Replace(sb.ToString(), @"\s+", " ").Trim();
    }

    private static void Append(StringBuilder sb, XNode node)
    {
        switch (node)
        {
            case XText text:
                sb.Append(text.Value);
                break;
            case XElement e when e.Name == "see" || e.Name == "seealso":
                if (e.Attribute("langword") is { } word) sb.Append('`').Append(word.Value).Append('`');
                else if (e.Attribute("cref") is { } cref) sb.Append('`').Append(CrefName(cref.Value)).Append('`');
                else if (e.Attribute("href") is { } href) sb.Append(href.Value);
                break;
            case XElement e when e.Name == "paramref" || e.Name == "typeparamref":
                sb.Append('`').Append((string?)e.Attribute("name")).Append('`');
                break;
            case XElement e when e.Name == "c":
                sb.Append('`').Append(e.Value).Append('`');
                break;
            case XElement e:
                sb.Append(' ');
                foreach (var child in e.Nodes()) Append(sb, child);
                sb.Append(' ');
                break;
        }
    }

    /// <summary>A cref as a reader would write it: the type, or the type and member (<c>Layer.Trainable</c>).</summary>
    private static string CrefName(string cref)
    {
        string body = cref.Length > 2 && cref[1] == ':' ? cref[2..] : cref;
        int paren = body.IndexOf('(');
        if (paren >= 0) body = body[..paren];
        body = Regex.Replace(body, "`+[0-9]+", "");
        string[] parts = body.Split('.');
        bool isType = cref.StartsWith("T:", StringComparison.Ordinal);
        return isType || parts.Length < 2 ? parts[^1] : parts[^2] + "." + parts[^1].Replace("#ctor", parts[^2]);
    }

    // ---- Documentation IDs (the C# compiler's rules) -----------------------------------------------------------------

    public static string DocId(MemberInfo member) => member switch
    {
        Type t => "T:" + IdTypeName(t),
        FieldInfo f => "F:" + IdTypeName(f.DeclaringType!) + "." + f.Name,
        EventInfo e => "E:" + IdTypeName(e.DeclaringType!) + "." + e.Name,
        PropertyInfo p => "P:" + IdTypeName(p.DeclaringType!) + "." + p.Name + IdParameters(p.GetIndexParameters()),
        ConstructorInfo c => "M:" + IdTypeName(c.DeclaringType!) + "." + (c.IsStatic ? "#cctor" : "#ctor") + IdParameters(c.GetParameters()),
        MethodInfo m => "M:" + IdTypeName(m.DeclaringType!) + "." + m.Name
            + (m.IsGenericMethodDefinition ? "``" + m.GetGenericArguments().Length : "")
            + IdParameters(m.GetParameters())
            + (m.Name is "op_Implicit" or "op_Explicit" ? "~" + IdType(m.ReturnType) : ""),
        _ => throw new NotSupportedException(member.GetType().Name),
    };

    private static string IdTypeName(Type t) =>
        (t.DeclaringType is { } outer ? IdTypeName(outer) + "." : t.Namespace is { } ns ? ns + "." : "") + t.Name;

    private static string IdParameters(ParameterInfo[] parameters) =>
        parameters.Length == 0 ? "" : "(" + string.Join(",", parameters.Select(p => IdType(p.ParameterType))) + ")";

    private static string IdType(Type t)
    {
        if (t.IsByRef) return IdType(t.GetElementType()!) + "@";
        if (t.IsPointer) return IdType(t.GetElementType()!) + "*";
        if (t.IsArray)
            return IdType(t.GetElementType()!) + (t.GetArrayRank() == 1 ? "[]" : "[" + string.Join(",", Enumerable.Repeat("0:", t.GetArrayRank())) + "]");
        if (t.IsGenericParameter) return (t.DeclaringMethod is null ? "`" : "``") + t.GenericParameterPosition;
        if (t.IsGenericType)
        {
            string name = IdTypeName(t.GetGenericTypeDefinition());
            name = Regex.Replace(name, "`[0-9]+", "");
            return name + "{" + string.Join(",", t.GetGenericArguments().Select(IdType)) + "}";
        }
        return IdTypeName(t);
    }

    // ---- Readable C# -------------------------------------------------------------------------------------------------

    /// <summary>A type's name as C# writes it, outer types included (<c>Conv2DShape</c>, <c>Outer.Inner</c>).</summary>
    public static string TypeName(Type t) =>
        (t.DeclaringType is { } outer ? TypeName(outer) + "." : "") + Regex.Replace(t.Name, "`[0-9]+", "")
        + (t.IsGenericTypeDefinition ? "<" + string.Join(", ", t.GetGenericArguments().Skip(t.DeclaringType?.GetGenericArguments().Length ?? 0).Select(a => a.Name)) + ">" : "");

    public string Declaration(Type t)
    {
        var sb = new StringBuilder(t.IsPublic || t.IsNestedPublic ? "public " : "protected ");
        bool record = IsRecord(t);
        if (typeof(Delegate).IsAssignableFrom(t) && t != typeof(Delegate))
        {
            var invoke = t.GetMethod("Invoke")!;
            return sb.Append("delegate ").Append(CSharp(invoke.ReturnParameter)).Append(' ').Append(TypeName(t))
                .Append(Parameters(invoke)).Append(';').ToString();
        }
        if (t.IsEnum) sb.Append("enum ");
        else if (t.IsInterface) sb.Append("interface ");
        else if (t.IsValueType)
        {
            if (t.IsDefined(typeof(IsReadOnlyAttribute), false)) sb.Append("readonly ");
            if (t.IsByRefLike) sb.Append("ref ");
            sb.Append(record ? "record struct " : "struct ");
        }
        else
        {
            if (t.IsAbstract && t.IsSealed) sb.Append("static ");
            else if (t.IsAbstract) sb.Append("abstract ");
            else if (t.IsSealed) sb.Append("sealed ");
            sb.Append(record ? "record " : "class ");
        }
        sb.Append(TypeName(t));
        var bases = new List<string>();
        if (!t.IsValueType && !t.IsInterface && t.BaseType is { } b && b != typeof(object)) bases.Add(CSharp(b));
        if (!t.IsEnum)
        {
            var inherited = t.BaseType?.GetInterfaces() ?? [];
            var direct = t.GetInterfaces().Where(i => !inherited.Contains(i)).ToList();
            // Only the interfaces not implied by another one, and not the compiler's IEquatable of a record.
            direct = direct.Where(i => !direct.Any(o => o != i && o.GetInterfaces().Contains(i))).ToList();
            if (record) direct.RemoveAll(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEquatable<>));
            bases.AddRange(direct.Select(CSharp).OrderBy(n => n, StringComparer.Ordinal));
        }
        if (bases.Count > 0) sb.Append(" : ").Append(string.Join(", ", bases));
        return sb.ToString();
    }

    public string Declaration(MemberInfo member)
    {
        switch (member)
        {
            case ConstructorInfo c:
                return Access(c) + TypeName(c.DeclaringType!).Split('<')[0].Split('.')[^1] + Parameters(c);
            case MethodInfo m:
            {
                string modifiers = Access(m) + (m.DeclaringType!.IsInterface ? "" : Modifiers(m));
                string name = m.Name switch
                {
                    "op_Implicit" => "implicit operator " + CSharp(m.ReturnType),
                    "op_Explicit" => "explicit operator " + CSharp(m.ReturnType),
                    _ => (m.IsSpecialName && m.Name.StartsWith("op_", StringComparison.Ordinal) ? "operator " + m.Name[3..] : m.Name)
                         + (m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : ""),
                };
                string returns = m.Name is "op_Implicit" or "op_Explicit" ? "" : CSharp(m.ReturnParameter) + " ";
                return modifiers + returns + name + Parameters(m) + Constraints(m);
            }
            case PropertyInfo p:
            {
                var getter = p.GetMethod is { } g && Visible(g) ? g : null;
                var setter = p.SetMethod is { } s && Visible(s) ? s : null;
                var any = (getter ?? setter)!;
                string accessors = (getter is null ? "" : "get; ")
                    + (setter is null ? "" : setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) ? "init; " : "set; ");
                string name = p.GetIndexParameters() is { Length: > 0 } index
                    ? "this[" + string.Join(", ", index.Select(Parameter)) + "]"
                    : p.Name;
                string type = getter is not null ? CSharp(getter.ReturnParameter) : CSharp(_nullability.Create(p), p.PropertyType);
                return Access(any) + (p.DeclaringType!.IsInterface ? "" : Modifiers(any)) + type + " " + name + " { " + accessors + "}";
            }
            case FieldInfo f:
            {
                if (f.DeclaringType!.IsEnum) return f.Name + " = " + Convert.ToInt64(f.GetRawConstantValue(), CultureInfo.InvariantCulture);
                string prefix = (f.IsPublic ? "public " : "protected ")
                    + (f.IsLiteral ? "const " : (f.IsStatic ? "static " : "") + (f.IsInitOnly ? "readonly " : ""));
                string type = CSharp(_nullability.Create(f), f.FieldType);
                return prefix + type + " " + f.Name + (f.IsLiteral ? " = " + Literal(f.GetRawConstantValue(), f.FieldType) : "") + ";";
            }
            case EventInfo e:
                return "public event " + CSharp(e.EventHandlerType!) + " " + e.Name + ";";
            default:
                throw new NotSupportedException(member.GetType().Name);
        }
    }

    private static string Access(MethodBase m) => m.IsPublic ? "public " : "protected ";

    private static string Modifiers(MethodInfo m)
    {
        if (m.IsStatic) return "static ";
        if (m.IsAbstract) return "abstract ";
        if (m.IsVirtual && !m.IsFinal)
            return m.GetBaseDefinition() != m ? "override " : "virtual ";
        if (m.IsVirtual && m.GetBaseDefinition() != m) return "sealed override ";
        return "";
    }

    private static string Constraints(MethodInfo m)
    {
        if (!m.IsGenericMethodDefinition) return "";
        var sb = new StringBuilder();
        foreach (var a in m.GetGenericArguments())
        {
            var parts = new List<string>();
            var attributes = a.GenericParameterAttributes;
            if ((attributes & GenericParameterAttributes.NotNullableValueTypeConstraint) != 0) parts.Add("struct");
            else if ((attributes & GenericParameterAttributes.ReferenceTypeConstraint) != 0) parts.Add("class");
            parts.AddRange(a.GetGenericParameterConstraints().Where(c => c != typeof(ValueType)).Select(CSharp));
            if (parts.Count > 0) sb.Append(" where ").Append(a.Name).Append(" : ").Append(string.Join(", ", parts));
        }
        return sb.ToString();
    }

    private string Parameters(MethodBase m)
    {
        var list = m.GetParameters().Select(Parameter).ToList();
        if (m.IsDefined(typeof(ExtensionAttribute), false) && list.Count > 0) list[0] = "this " + list[0];
        return "(" + string.Join(", ", list) + ")";
    }

    private string Parameter(ParameterInfo p)
    {
        var sb = new StringBuilder();
        if (p.IsDefined(typeof(ParamArrayAttribute), false)) sb.Append("params ");
        if (p.ParameterType.IsByRef) sb.Append(p.IsOut ? "out " : p.IsIn ? "in " : "ref ");
        sb.Append(CSharp(p)).Append(' ').Append(p.Name);
        if (p.HasDefaultValue) sb.Append(" = ").Append(Literal(p.RawDefaultValue, p.ParameterType));
        return sb.ToString();
    }

    private string CSharp(ParameterInfo p)
    {
        var type = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
        string text = CSharp(_nullability.Create(p), type);
        var names = p.GetCustomAttribute<TupleElementNamesAttribute>()?.TransformNames;
        // Named tuples (one level deep, which is all the library returns): (float Loss, double Accuracy).
        if (names is { Count: > 0 } && type.IsGenericType && type.FullName!.StartsWith("System.ValueTuple`", StringComparison.Ordinal))
        {
            var items = type.GetGenericArguments().Select(CSharp).ToList();
            text = "(" + string.Join(", ", items.Select((item, i) => names[i] is { } n ? item + " " + n : item)) + ")";
        }
        return text;
    }

    private static string CSharp(NullabilityInfo info, Type type)
    {
        if (type.IsValueType || type.IsGenericParameter || type.IsPointer) return CSharp(type);
        if (type.IsArray)
            return CSharp(info.ElementType!, type.GetElementType()!) + "[]" + (info.ReadState == NullabilityState.Nullable ? "?" : "");
        string name = type.IsGenericType && info.GenericTypeArguments.Length == type.GetGenericArguments().Length
            ? Regex.Replace(TypeName(type.GetGenericTypeDefinition()).Split('<')[0], "`[0-9]+", "")
              + "<" + string.Join(", ", type.GetGenericArguments().Select((a, i) => CSharp(info.GenericTypeArguments[i], a))) + ">"
            : CSharp(type);
        return name + (info.ReadState == NullabilityState.Nullable ? "?" : "");
    }

    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void", [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(char)] = "char", [typeof(string)] = "string", [typeof(object)] = "object",
        [typeof(nint)] = "nint", [typeof(nuint)] = "nuint",
    };

    public static string CSharp(Type t)
    {
        if (t.IsByRef) return CSharp(t.GetElementType()!);
        if (t.IsPointer) return CSharp(t.GetElementType()!) + "*";
        if (t.IsArray) return CSharp(t.GetElementType()!) + "[" + new string(',', t.GetArrayRank() - 1) + "]";
        if (Keywords.TryGetValue(t, out var keyword)) return keyword;
        if (t.IsGenericParameter) return t.Name;
        if (Nullable.GetUnderlyingType(t) is { } underlying) return CSharp(underlying) + "?";
        if (t.IsGenericType)
        {
            var args = t.GetGenericArguments();
            if (t.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true)
                return "(" + string.Join(", ", args.Select(CSharp)) + ")";
            string name = Regex.Replace(TypeName(t.GetGenericTypeDefinition()).Split('<')[0], "`[0-9]+", "");
            return name + "<" + string.Join(", ", args.Select(CSharp)) + ">";
        }
        return TypeName(t);
    }

    private static string Literal(object? value, Type type)
    {
        type = type.IsByRef ? type.GetElementType()! : type;
        if (value is null) return type.IsValueType && Nullable.GetUnderlyingType(type) is null ? "default" : "null";
        if (type.IsEnum || Nullable.GetUnderlyingType(type)?.IsEnum == true)
        {
            var enumType = type.IsEnum ? type : Nullable.GetUnderlyingType(type)!;
            string? name = Enum.GetName(enumType, value);
            return name is null ? "(" + CSharp(enumType) + ")" + value : CSharp(enumType) + "." + name;
        }
        return value switch
        {
            bool b => b ? "true" : "false",
            string s => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"",
            char c => "'" + c + "'",
            float f => float.IsNaN(f) ? "float.NaN" : f.ToString("R", CultureInfo.InvariantCulture) + "f",
            double d => double.IsNaN(d) ? "double.NaN" : d.ToString("R", CultureInfo.InvariantCulture),
            long l => l.ToString(CultureInfo.InvariantCulture) + "L",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString()!,
        };
    }

    // ---- Markdown ----------------------------------------------------------------------------------------------------

    /// <summary>File name (under docs/api) → content: one file per namespace, and README.md, the index.</summary>
    public SortedDictionary<string, string> Render()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var byNamespace = Types.GroupBy(t => t.Namespace ?? "").OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var index = new StringBuilder();
        index.Append("# API reference\n\n");
        index.Append("Every public type of Compiled.Nets, with its members' signatures and summaries, generated from the XML\n");
        index.Append("documentation comments in `src/Compiled.Nets` by `ApiReferenceTests` (tests/Compiled.Nets.Runtime.Tests).\n");
        index.Append("Do not edit these files: change the comments, then run\n");
        index.Append("`COMPILED_NETS_ACCEPT_SNAPSHOTS=1 dotnet test tests/Compiled.Nets.Runtime.Tests --filter FullyQualifiedName~ApiReference`.\n");
        index.Append("Without the variable the test fails when these files differ from the comments.\n\n");
        index.Append("What the generator adds to each network class (`Forward`, `TrainStep`, `Save`, …) is described by the interfaces\n");
        index.Append("it implements: `INetwork`, `ITrainableNetwork`, `IComposableNetwork` in [Compiled.Nets](Compiled.Nets.md).\n\n");
        index.Append("## Namespaces\n\n");
        foreach (var group in byNamespace.Where(g => g.Key != CompilerServices))
        {
            index.Append("- [").Append(group.Key).Append("](").Append(group.Key).Append(".md): ");
            index.Append(string.Join(", ", group.Select(t => "`" + TypeName(t) + "`"))).Append('\n');
            files[group.Key + ".md"] = RenderNamespace(group.Key, group.ToList());
        }
        if (byNamespace.FirstOrDefault(g => g.Key == CompilerServices) is { } hidden)
        {
            index.Append("\n## ").Append(CompilerServices).Append(": called by generated code\n\n");
            index.Append("The kernels, guards and plumbing that the code the generator writes calls. They are public because that code\n");
            index.Append("lives in your assembly, and hidden from IntelliSense; nothing here is meant to be called by hand, and it may\n");
            index.Append("change between versions without notice.\n\n");
            foreach (var t in hidden) index.Append("- `").Append(TypeName(t)).Append("`: ").Append(Summary(t)).Append('\n');
        }
        files["README.md"] = index.ToString();
        return files;
    }

    private string RenderNamespace(string ns, IReadOnlyList<Type> types)
    {
        var sb = new StringBuilder();
        sb.Append("# ").Append(ns).Append("\n\n");
        sb.Append("[API reference](README.md) · generated from the XML documentation by `ApiReferenceTests`; do not edit.\n\n");
        foreach (var t in types) sb.Append("- [").Append(TypeName(t)).Append("](#").Append(Anchor(TypeName(t))).Append(")\n");
        foreach (var t in types)
        {
            sb.Append("\n## ").Append(TypeName(t)).Append("\n\n");
            sb.Append("```csharp\n").Append(Declaration(t)).Append("\n```\n\n");
            sb.Append(Summary(t)).Append('\n');
            var members = Members(t).ToList();
            if (members.Count == 0) continue;
            sb.Append('\n');
            foreach (var m in members)
                sb.Append("- `").Append(Declaration(m)).Append("`  \n  ").Append(Summary(m)).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens.</summary>
    private static string Anchor(string heading) =>
        Regex.Replace(heading.ToLowerInvariant(), @"[^a-z0-9 _-]", "").Replace(' ', '-');

    /// <summary>Every public type and member without a non-empty summary, by documentation ID.</summary>
    public IReadOnlyList<string> Undocumented()
    {
        var missing = new List<string>();
        foreach (var t in Types)
        {
            if (Summary(t) is null) missing.Add(DocId(t));
            foreach (var m in Members(t))
                if (Summary(m) is null) missing.Add(DocId(m));
        }
        return missing;
    }
}
