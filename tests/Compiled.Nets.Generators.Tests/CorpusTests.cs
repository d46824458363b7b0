using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace Compiled.Nets.Generators.Tests;

/// <summary>
/// A generator that never breaks the build it serves: hundreds of malformed or unusual declarations made from a few
/// valid seeds. For each, the generator must not throw or report CN9999, and either it reports a CN error or the
/// user's code plus what it generated has no compiler error located in a generated file. A network whose sizes do
/// not fit in 32 bits must get a CN error. Failures are grouped by category, so one category's known failures do not
/// hide another's.
/// </summary>
public class CorpusTests
{
    // ------------------------------------------------------------------ seeds

    private const string Mlp = """
        using Compiled.Nets;

        namespace Fuzz;

        [Network(Loss = Loss.SoftmaxCrossEntropy, LearningRate = 0.05f, Seed = 3)]
        public partial class Mlp
        {
            [Input(4)] public partial Layer X { get; }
            [Dense(8, Activation.Tanh)] public partial Layer Hidden { get; }
            [Dense(3, Activation.Softmax)] public partial Layer Y { get; }
        }
        """;

    private const string Cnn = """
        using Compiled.Nets;

        namespace Fuzz;

        [Network(Loss = Loss.SoftmaxCrossEntropy, Initialization = Initialization.HeUniform)]
        public partial class Cnn
        {
            [Input(1, 8, 8)] public partial Layer Image { get; }
            [Conv2D(4, 3, Activation.ReLU, Padding = Padding.Same)] public partial Layer C1 { get; }
            [MaxPool(2)] public partial Layer S2 { get; }
            [Conv2D(6, 3, Activation.ReLU, Stride = 1)] public partial Layer C3 { get; }
            [Dense(10, Activation.Softmax)] public partial Layer Digit { get; }
        }
        """;

    private const string Residual = """
        using Compiled.Nets;

        namespace Fuzz;

        [Network(Loss = Loss.SoftmaxCrossEntropy)]
        public partial class Residual
        {
            [Input(2, 6, 6)] public partial Layer Image { get; }
            [Conv2D(4, 3, Activation.Tanh, Padding = Padding.Same)] public partial Layer Stem { get; }
            [Conv2D(4, 3, Padding = Padding.Same)] public partial Layer Branch { get; }
            [Conv2D(4, 1, Input = nameof(Stem))] public partial Layer Shortcut { get; }
            [Add(nameof(Shortcut), nameof(Branch), Activation = Activation.ReLU)] public partial Layer Sum { get; }
            [Concat(nameof(Sum), nameof(Stem))] public partial Layer Join { get; }
            [Dense(3)] public partial Layer Logits { get; }
        }
        """;

    private const string Regularized = """
        using Compiled.Nets;

        namespace Fuzz;

        [Network(Loss = Loss.MeanSquaredError, L2 = 0.001f, UnrollLimit = 16)]
        public partial class Regularized
        {
            [Input(6)] public partial Layer X { get; }
            [Dense(12, Activation.ReLU, L1 = 0.0001f)] public partial Layer Hidden { get; }
            [BatchNorm(Momentum = 0.2f, Epsilon = 0.001f)] public partial Layer Norm { get; }
            [Dropout(0.25f)] public partial Layer Drop { get; }
            [Dense(2)] public partial Layer Y { get; }
        }
        """;

    private static readonly (string Name, string Source)[] Seeds =
        { ("Mlp", Mlp), ("Cnn", Cnn), ("Residual", Residual), ("Regularized", Regularized) };

    // ------------------------------------------------------------------ variants

    /// <summary>One corpus entry: its category, a short name, its source files, and whether it must get a CN error.</summary>
    public sealed record Variant(string Category, string Name, string[] Sources, bool MustReportError = false);

    private static Variant V(string category, string name, string source, bool mustReportError = false) =>
        new(category, name, new[] { source }, mustReportError);

    private static readonly Lazy<List<Variant>> Corpus = new(() => Build().ToList());

    private static IEnumerable<Variant> Build()
    {
        foreach (var (name, source) in Seeds)
        {
            yield return V("Seed", name, source);
            foreach (var v in Truncations(name, source)) yield return v;
            foreach (var v in TokenEdits(name, source)) yield return v;
            foreach (var v in EdgeValues(name, source)) yield return v;
            foreach (var v in EnumValues(name, source)) yield return v;
            foreach (var v in LayerSettings(name, source)) yield return v;
        }
        foreach (var v in OtherLayerSettings()) yield return v;
        foreach (var v in Overflows()) yield return v;
        foreach (var v in LayerProperties()) yield return v;
        foreach (var v in LayerNames()) yield return v;
        foreach (var v in TypeShapes()) yield return v;
        foreach (var v in Parts()) yield return v;
        foreach (var v in Shadowing()) yield return v;
    }

    /// <summary>The source cut at about 45 positions (every character of the first attribute, then spread out).</summary>
    private static IEnumerable<Variant> Truncations(string seed, string source)
    {
        var positions = new SortedSet<int>();
        int start = source.IndexOf("[Network", StringComparison.Ordinal);
        for (int i = 0; i < 12; i++) positions.Add(start + i);
        for (int i = 1; i < 34; i++) positions.Add(i * source.Length / 34);
        foreach (int position in positions)
            yield return V("Truncation", $"{seed}[..{position}]", source.Substring(0, position));
    }

    /// <summary>Every other token of the class deleted, and every third one duplicated.</summary>
    private static IEnumerable<Variant> TokenEdits(string seed, string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
        var tokens = root.DescendantTokens().Where(t => t.SpanStart >= source.IndexOf("[Network", StringComparison.Ordinal)).ToList();
        for (int i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (i % 2 == 0)
                yield return V("TokenDeletion", $"{seed} without '{token.Text}' at {token.SpanStart}",
                    source.Remove(token.SpanStart, token.Span.Length));
            if (i % 3 == 0)
                yield return V("TokenDuplication", $"{seed} with '{token.Text}' twice at {token.SpanStart}",
                    source.Insert(token.Span.End, " " + token.Text));
        }
    }

    private static readonly string[] EdgeNumbers =
        { "0", "-1", "int.MaxValue", "100000", "float.NaN", "float.PositiveInfinity" };

    /// <summary>Each numeric attribute argument replaced by each edge value; categorised by the attribute it is in.</summary>
    private static IEnumerable<Variant> EdgeValues(string seed, string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
        foreach (var literal in root.DescendantNodes().OfType<LiteralExpressionSyntax>()
                     .Where(l => l.IsKind(SyntaxKind.NumericLiteralExpression)))
        {
            var attribute = literal.FirstAncestorOrSelf<AttributeSyntax>();
            if (attribute is null) continue;
            string attributeName = attribute.Name.ToString();
            string category = attributeName == "Network" ? "NetworkValue" : $"LayerValue.{attributeName}";
            string argument = literal.Parent is AttributeArgumentSyntax { NameEquals: { } nameEquals } ? nameEquals.Name.ToString() : $"#{literal.SpanStart}";
            foreach (string value in EdgeNumbers)
            {
                yield return V(category, $"{seed}: {attributeName}({argument} = {value})",
                    source.Remove(literal.SpanStart, literal.Span.Length).Insert(literal.SpanStart, value));
            }
        }
    }

    /// <summary>Enum arguments out of range: the network's Loss, Training and Initialization; layers' Activation, Padding, Initialization.</summary>
    private static IEnumerable<Variant> EnumValues(string seed, string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
        var network = root.DescendantNodes().OfType<AttributeSyntax>().First(a => a.Name.ToString() == "Network");
        string Named(string setting) => source.Insert(network.ArgumentList!.CloseParenToken.SpanStart,
            (network.ArgumentList.Arguments.Count > 0 ? ", " : "") + setting);

        foreach (string value in new[] { "(Loss)9", "(Loss)(-1)", "(Loss)4" })
            yield return V("NetworkEnum", $"{seed}: Loss = {value}", Regex(source, @"Loss = Loss\.\w+", "Loss = " + value));
        foreach (string value in new[] { "(TrainingRule)2", "(TrainingRule)(-1)" })
            yield return V("NetworkEnum", $"{seed}: Training = {value}", Named("Training = " + value));
        foreach (string value in new[] { "(Initialization)42", "(Initialization)(-3)", "(Initialization)6" })
            yield return V("NetworkEnum", $"{seed}: Initialization = {value}",
                source.Contains("Initialization = Initialization.") ? Regex(source, @"Initialization = Initialization\.\w+", "Initialization = " + value) : Named("Initialization = " + value));

        foreach (var access in root.DescendantNodes().OfType<MemberAccessExpressionSyntax>())
        {
            string type = access.Expression.ToString();
            string? value = type switch { "Activation" => "(Activation)99", "Padding" => "(Padding)7", _ => null };
            if (value is null || access.FirstAncestorOrSelf<AttributeSyntax>() is not { } attribute) continue;
            yield return V($"LayerEnum.{type}", $"{seed}: {attribute.Name}(… {value} …)",
                source.Remove(access.SpanStart, access.Span.Length).Insert(access.SpanStart, value));
        }
        foreach (var attribute in root.DescendantNodes().OfType<AttributeSyntax>())
        {
            string name = attribute.Name.ToString();
            if (name is not ("Dense" or "Conv2D")) continue;
            var list = attribute.ArgumentList!;
            yield return V("LayerEnum.Initialization", $"{seed}: {name}(…, Initialization = (Initialization)42)",
                source.Insert(list.CloseParenToken.SpanStart, ", Initialization = (Initialization)42"));
            if (name == "Conv2D" && !list.ToString().Contains("Padding"))
                yield return V("LayerEnum.Padding", $"{seed}: {name}(…, Padding = (Padding)7)",
                    source.Insert(list.CloseParenToken.SpanStart, ", Padding = (Padding)7"));
        }
    }

    private static readonly string[] DenseSettings =
    {
        "BiasInitialValue = float.NaN", "BiasInitialValue = float.PositiveInfinity", "Slope = float.PositiveInfinity",
        "Slope = float.NaN", "L1 = float.PositiveInfinity", "L2 = -1f",
    };

    private static readonly string[] ConvSettings =
    {
        "Stride = 0", "Stride = -1", "Stride = int.MaxValue", "PaddingSize = int.MaxValue", "PaddingSize = -2", "Groups = 0",
        "Groups = -1", "Groups = int.MaxValue", "BiasInitialValue = float.NaN",
    };

    /// <summary>Named layer settings added with edge values: NaN and infinite floats, zero, negative and huge ints.</summary>
    private static IEnumerable<Variant> LayerSettings(string seed, string source)
    {
        var root = CSharpSyntaxTree.ParseText(source, GeneratorHarness.ParseOptions).GetRoot();
        foreach (var attribute in root.DescendantNodes().OfType<AttributeSyntax>())
        {
            string name = attribute.Name.ToString();
            string[] settings = name switch { "Dense" => DenseSettings, "Conv2D" => ConvSettings.Concat(DenseSettings.Take(3)).ToArray(), _ => Array.Empty<string>() };
            foreach (string setting in settings)
            {
                // One variant per setting and seed is enough: insert it in the first such attribute only.
                if (attribute != root.DescendantNodes().OfType<AttributeSyntax>().First(a => a.Name.ToString() == name)) continue;
                string category = setting.StartsWith("BiasInitialValue", StringComparison.Ordinal) ? "LayerNonFinite.BiasInitialValue" : $"LayerSetting.{name}";
                yield return V(category, $"{seed}: {name}(…, {setting})",
                    source.Insert(attribute.ArgumentList!.CloseParenToken.SpanStart, ", " + setting));
            }
        }
    }

    /// <summary>Edge values for the layers the seeds do not have: PReLU, pooling, Maxout, transposed and 1-D convolutions.</summary>
    private static IEnumerable<Variant> OtherLayerSettings()
    {
        string[] maps = { "[Input(2, 8, 8)] public partial Layer X { get; }" };
        string[] layers =
        {
            "[PReLU(InitialSlope = float.NaN)] public partial Layer P { get; }",
            "[PReLU(InitialSlope = float.PositiveInfinity)] public partial Layer P { get; }",
            "[MaxPool(2, Stride = 0)] public partial Layer P { get; }",
            "[MaxPool(2, Stride = -1)] public partial Layer P { get; }",
            "[MaxPool(int.MaxValue)] public partial Layer P { get; }",
            "[MaxPool(0)] public partial Layer P { get; }",
            "[AvgPool(2, PaddingSize = int.MaxValue)] public partial Layer P { get; }",
            "[AvgPool(-1)] public partial Layer P { get; }",
            "[Maxout(2, int.MaxValue)] public partial Layer P { get; }",
            "[Maxout(2, 0)] public partial Layer P { get; }",
            "[Maxout(int.MaxValue, 2)] public partial Layer P { get; }",
            "[ConvTranspose2D(2, 3, Stride = 2, OutputPadding = int.MaxValue)] public partial Layer P { get; }",
            "[ConvTranspose2D(2, 3, Stride = int.MaxValue)] public partial Layer P { get; }",
            "[ConvTranspose2D(2, 3, OutputPadding = -1)] public partial Layer P { get; }",
            "[SeparableConv2D(2, 3, Stride = 0)] public partial Layer P { get; }",
            "[SeparableConv2D(int.MaxValue, 3)] public partial Layer P { get; }",
            "[Dropout(float.NaN)] public partial Layer P { get; }",
            "[BatchNorm(Momentum = float.NaN)] public partial Layer P { get; }",
            "[BatchNorm(Epsilon = float.PositiveInfinity)] public partial Layer P { get; }",
            "[BatchNorm((Activation)99)] public partial Layer P { get; }",
            "[Add(nameof(X), nameof(X))] public partial Layer P { get; }",
            "[Concat(nameof(X))] public partial Layer P { get; }",
            "[Concat] public partial Layer P { get; }",
            "[Add(null!)] public partial Layer P { get; }",
            "[MaxUnpool(nameof(X))] public partial Layer P { get; }",
            "[MaxUnpool(null!)] public partial Layer P { get; }",
            "[Dense(2, Input = \"\")] public partial Layer P { get; }",
            "[Dense(2, Input = nameof(P))] public partial Layer P { get; }",
            "[GlobalAveragePool(Input = nameof(Y))] public partial Layer P { get; }",
        };
        foreach (string layer in layers)
        {
            string kind = layer.Substring(1, layer.IndexOfAny(new[] { '(', ']' }) - 1);
            string category = layer.Contains("(Activation)") ? "LayerEnum.Activation" : $"LayerSetting.{kind}";
            yield return V(category, layer, Net(maps[0] + "\n    " + layer + "\n    [Dense(2)] public partial Layer Y { get; }\n"));
        }
    }

    private static string Regex(string input, string pattern, string replacement) =>
        System.Text.RegularExpressions.Regex.Replace(input, pattern, replacement);

    private static string Net(string members, string header = "[Network]\npublic partial class Net", string usings = "using Compiled.Nets;\n", string ns = "namespace Fuzz;\n") =>
        $"{usings}{ns}\n{header}\n{{\n{members}\n}}\n";

    private const string X = "    [Input(2)] public partial Layer X { get; }\n";
    private const string Y = "    [Dense(1)] public partial Layer Y { get; }\n";

    /// <summary>Networks whose sizes do not fit in 32 bits: each must get a CN error, not wrapped-around code.</summary>
    private static IEnumerable<Variant> Overflows()
    {
        string[] cases =
        {
            "[Input(100000)] public partial Layer X { get; }\n[Dense(100000)] public partial Layer Y { get; }",
            "[Input(int.MaxValue)] public partial Layer X { get; }\n[Dense(2)] public partial Layer Y { get; }",
            "[Input(65536, 65536)] public partial Layer X { get; }\n[Dense(2)] public partial Layer Y { get; }",
            "[Input(2048, 2048, 2048)] public partial Layer X { get; }\n[Dense(2)] public partial Layer Y { get; }",
            "[Input(3, 1000, 1000)] public partial Layer X { get; }\n[Conv2D(100000, 3)] public partial Layer C { get; }\n[Dense(2)] public partial Layer Y { get; }",
            "[Input(50000)] public partial Layer X { get; }\n[Dense(50000)] public partial Layer H { get; }\n[Dense(2)] public partial Layer Y { get; }",
            "[Input(2)] public partial Layer X { get; }\n[Dense(int.MaxValue)] public partial Layer Y { get; }",
            "[Input(46341)] public partial Layer X { get; }\n[Dense(46341)] public partial Layer Y { get; }",
            "[Input(1, 40000, 40000)] public partial Layer X { get; }\n[MaxPool(2)] public partial Layer P { get; }\n[Dense(2)] public partial Layer Y { get; }",
            "[Input(30000, 30000)] public partial Layer X { get; }\n[Conv1D(30000, 1)] public partial Layer C { get; }\n[Dense(2)] public partial Layer Y { get; }",
        };
        for (int i = 0; i < cases.Length; i++)
            yield return V("Overflow", $"overflow #{i}: {cases[i].Split('\n')[0]} …", Net(cases[i]), mustReportError: true);
    }

    /// <summary>Layer properties that are not 'partial Layer Name { get; }'.</summary>
    private static IEnumerable<Variant> LayerProperties()
    {
        string[] ys =
        {
            "[Dense(1)] public partial Layer Y { get; set; }",
            "[Dense(1)] public partial Layer Y { get; init; }",
            "[Dense(1)] public partial Layer Y { set; }",
            "[Dense(1)] public static partial Layer Y { get; }",
            "[Dense(1)] public required partial Layer Y { get; }",
            "[Dense(1)] public required partial Layer Y { get; init; }",
            "[Dense(1)] public partial ref Layer Y { get; }",
            "[Dense(1)] public partial ref readonly Layer Y { get; }",
            "[Dense(1)] public ref partial Layer Y { get; }",
            "[Dense(1)] public partial Layer this[int i] { get; }",
            "[Dense(1)] public partial Layer this[int i, string s] { get; }",
            "[Dense(1)] public Layer this[int i] => null!;",
            "[Dense(1)][Dropout(0.5f)] public partial Layer Y { get; }",
            "[Dense(1), BatchNorm] public partial Layer Y { get; }",
            "[Dense(1)][Dense(2)] public partial Layer Y { get; }",
            "[Input(3)][Dense(1)] public partial Layer Y { get; }",
            "[Dense(1)] public virtual partial Layer Y { get; }",
            "[Dense(1)] public abstract partial Layer Y { get; }",
            "[Dense(1)] public extern partial Layer Y { get; }",
            "[Dense(1)] public new partial Layer Y { get; }",
            "[Dense(1)] public sealed partial Layer Y { get; }",
            "[Dense(1)] public override partial Layer Y { get; }",
            "[Dense(1)] public unsafe partial Layer Y { get; }",
            "[Dense(1)] private protected partial Layer Y { get; }",
            "[Dense(1)] public partial Layer? Y { get; }",
            "[Dense(1)] public partial global::Compiled.Nets.Layer Y { get; }",
            "[Dense(1)] public partial Layer Y { get; private set; }",
            "[Dense(1)] public partial Layer Y { get => null!; }",
            "[Dense(1)] public partial Layer Y { get; }\n    public partial Layer Y => null!;",
            "[Dense(1)] public partial Layer Y { get; }\n    public partial Layer Y { get => null!; }\n    public partial Layer Y { get => null!; }",
            "[Dense(1)] public partial int Y { get; }",
            "[Dense(1)] public partial Layer[] Y { get; }",
            "[Dense(1)] public Layer Y;",
            "[Dense(1)] public Layer Y() => null!;",
            "[Dense(1)] public partial Layer Y { get; }\n    [Dense(1)] public partial Layer Y { get; }",
            "[Dense(1)] public partial Layer Y { get; }\n    public int Y;",
            "[Dense(1)] public partial Layer Y { get; }\n    public void Y() { }",
            "[Dense(1)] public partial Layer Y { get; }\n    public partial Layer Z { get; }",
            "[Dense(1)] public partial Layer Y { get; }\n    [Dense(2)] public partial Layer Z { get; }",
            "[Dense(1)] partial Layer Y { get; }\n    [Dense(1)] partial Layer Y2 { get; }\n    [Dense(1)] internal partial Layer Y3 { get; }\n    [Dense(1)] protected internal partial Layer Y4 { get; }",
            "[Dense(1)] public partial Layer Y { get; } = null!;",
        };
        foreach (string y in ys)
            yield return V("LayerProperty", y.Replace("\n    ", " "), Net(X + "    " + y + "\n"));
    }

    /// <summary>Layers named like the generated members, like the class, or with verbatim identifiers.</summary>
    private static IEnumerable<Variant> LayerNames()
    {
        string[] names =
        {
            "Forward", "Parameters", "Summary", "TrainStep", "Layers", "Tensors", "InputSize", "OutputSize", "ParameterCount",
            "Predict", "Fit", "Save", "Load", "Gradients", "Optimizer", "LearningRate", "Device", "UseDevice", "Dispose",
            "InitializeParameters", "DefaultSeed", "StepCount", "CudaSource", "_parameters", "_activations", "RunForward",
            "EnsureCapacity", "Net", "@class", "@event", "@Forward", "Équipe", "ToString", "GetHashCode", "Equals", "GetType",
        };
        foreach (string name in names)
        {
            yield return V("LayerName", $"output named {name}", Net(X + $"    [Dense(1)] public partial Layer {name} {{ get; }}\n"));
            yield return V("LayerName", $"input named {name}", Net($"    [Input(2)] public partial Layer {name} {{ get; }}\n" + Y));
        }
        yield return V("LayerName", "two layers called @class and @struct read by nameof",
            Net("    [Input(2)] public partial Layer @class { get; }\n    [Dense(2)] public partial Layer @struct { get; }\n    [Dense(1, Input = nameof(@class))] public partial Layer @in { get; }\n"));
    }

    /// <summary>Records, structs, file-local classes, primary constructors, verbatim names, odd modifiers and nesting.</summary>
    private static IEnumerable<Variant> TypeShapes()
    {
        string body = X + Y;
        string[] headers =
        {
            "[Network]\npublic partial record Net",
            "[Network]\npublic partial record class Net",
            "[Network]\npublic partial record struct Net",
            "[Network]\npublic partial struct Net",
            "[Network]\npublic readonly partial struct Net",
            "[Network]\npublic partial interface Net",
            "[Network]\nfile partial class Net",
            "[Network]\npublic partial class Net(int size)",
            "[Network]\npublic partial class Net()",
            "[Network]\npublic partial class Net(int seed)",
            "[Network]\npublic partial record Net(int Size)",
            "[Network]\npublic partial class @class",
            "[Network]\npublic partial class @Net",
            "[Network]\npublic abstract partial class Net",
            "[Network]\npublic sealed partial class Net",
            "[Network]\npublic static partial class Net",
            "[Network]\npublic unsafe partial class Net",
            "[Network]\ninternal partial class Net",
            "[Network]\npublic partial class Net<T>",
            "[Network]\npublic partial class Net : System.IDisposable",
            "[Network]\npublic partial class Net : Base",
            "[Network]\npublic partial class Net : Compiled.Nets.ITrainableNetwork",
            "[Network]\npublic class Net",
            "[Network(Loss = Loss.MeanSquaredError)]\n[System.Obsolete]\npublic partial class Net",
            "[Network, System.Serializable]\npublic partial class Net",
            "[Compiled.Nets.Network]\npublic partial class Net",
            "[global::Compiled.Nets.NetworkAttribute()]\npublic partial class Net",
        };
        foreach (string header in headers)
        {
            string extra = header.Contains(": Base") ? "public abstract class Base { public abstract void Forward(); }\n" : "";
            yield return V("TypeShape", header.Replace("\n", " "), Net(body, header) + extra);
        }
        yield return V("TypeShape", "namespace Fuzz.@struct", Net(body, ns: "namespace Fuzz.@struct;\n"));
        yield return V("TypeShape", "namespace @namespace.@class.Ok", Net(body, ns: "namespace @namespace.@class.Ok;\n"));
        yield return V("TypeShape", "global namespace", Net(body, ns: ""));
        yield return V("TypeShape", "block namespace", $"using Compiled.Nets;\nnamespace Fuzz.Block {{\n[Network]\npublic partial class Net\n{{\n{body}}}\n}}\n");
        yield return V("TypeShape", "user constructor Net()", Net(body + "    public Net() { }\n"));
        yield return V("TypeShape", "user constructor Net(int)", Net(body + "    public Net(int seed) { }\n"));
        yield return V("TypeShape", "user constructor Net(string)", Net(body + "    public Net(string name) : this(1) { }\n"));
        yield return V("TypeShape", "user method Forward(int)", Net(body + "    public void Forward(int x) { }\n"));
        yield return V("TypeShape", "user field _parameters", Net(body + "    private int _parameters;\n"));
        yield return V("TypeShape", "user const InputSize", Net(body + "    public const int InputSize = 2;\n"));
        yield return V("TypeShape", "user static field", Net(body + "    public static int Count;\n"));

        string[] containers =
        {
            "public partial class Outer", "public partial struct Outer", "public partial record Outer", "public partial record struct Outer",
            "public static partial class Outer", "public partial interface Outer", "public partial class @struct", "public class Outer",
            "public partial class Outer<T>", "file partial class Outer", "public partial class Net",
        };
        foreach (string container in containers)
            yield return V("Nesting", $"{container} {{ [Network] partial class Net }}",
                $"using Compiled.Nets;\nnamespace Fuzz;\n{container}\n{{\n    [Network]\n    public partial class Net\n    {{\n{body}    }}\n}}\n");
        yield return V("Nesting", "three levels", $"using Compiled.Nets;\nnamespace Fuzz;\npublic partial class A {{ internal partial struct B {{ private partial class C {{\n[Network] partial class Net {{\n{body}}} }} }} }}\n");
        yield return V("Nesting", "network in a network",
            $"using Compiled.Nets;\nnamespace Fuzz;\n[Network] public partial class Outer {{\n{body}\n[Network] public partial class Net {{\n{body}}} }}\n");
    }

    /// <summary>Several declarations of one class, and same-named classes in several files or namespaces.</summary>
    private static IEnumerable<Variant> Parts()
    {
        const string U = "using Compiled.Nets;\nnamespace Fuzz;\n";
        Variant Many(string name, params string[] sources) => new("Parts", name, sources);
        yield return V("Parts", "two [Network] parts in one file",
            U + "[Network] public partial class Net { " + X + " }\n[Network] public partial class Net { " + Y + " }\n");
        yield return Many("two [Network] parts in two files",
            U + "[Network] public partial class Net { " + X + " }\n", U + "[Network] public partial class Net { " + Y + " }\n");
        yield return Many("[Network] part and a plain part in two files",
            U + "[Network] public partial class Net { " + X + " }\n", U + "public partial class Net { " + Y + " }\n");
        yield return Many("[Network(Seed=1)] and [Network(Seed=2)] parts in two files",
            U + "[Network(Seed = 1)] public partial class Net { " + X + Y + " }\n", U + "[Network(Seed = 2)] public partial class Net { }\n");
        yield return Many("two file classes of one name in two files",
            U + "[Network] file partial class Net { " + X + Y + " }\n", U + "[Network] file partial class Net { " + X + Y + " }\n");
        yield return Many("a file class and a public class of one name",
            U + "[Network] file partial class Net { " + X + Y + " }\n", U + "[Network] public partial class Net { " + X + Y + " }\n");
        yield return Many("one name in two namespaces",
            "using Compiled.Nets;\nnamespace A;\n[Network] public partial class Net { " + X + Y + " }\n",
            "using Compiled.Nets;\nnamespace B;\n[Network] public partial class Net { " + X + Y + " }\n");
        yield return Many("a nested class and a namespace of the same dotted name",
            "using Compiled.Nets;\nnamespace A;\npublic partial class B { [Network] public partial class Net { " + X + Y + " } }\n",
            "using Compiled.Nets;\nnamespace A.B;\n[Network] public partial class Net { " + X + Y + " }\n");
        yield return Many("a nested class and a namespace of the same dotted name (valid)",
            "using Compiled.Nets;\nnamespace A;\npublic partial class C { [Network] public partial class Net { " + X + Y + " } }\n",
            "using Compiled.Nets;\nnamespace A.B;\n[Network] public partial class C { " + X + Y + " }\n");
        yield return Many("a generic and a non-generic class of one name",
            U + "[Network] public partial class Net { " + X + Y + " }\n", U + "[Network] public partial class Net<T> { " + X + Y + " }\n");
        yield return Many("the same source twice",
            U + "[Network] public partial class Net { " + X + Y + " }\n", U + "[Network] public partial class Net { " + X + Y + " }\n");
        yield return Many("layers split over two files",
            U + "[Network] public partial class Net { " + X + " }\n", U + "public partial class Net { " + Y + " }\n");
        yield return V("Parts", "many networks in one file",
            string.Concat(Enumerable.Range(0, 5).Select(i => $"using Compiled.Nets;\nnamespace N{i} {{ [Network] public partial class Net {{ {X}{Y} }} }}\n".Replace("using Compiled.Nets;\n", i == 0 ? "using Compiled.Nets;\n" : ""))));
    }

    /// <summary>User types named like the library's attributes, in other namespaces, the global namespace or Compiled.Nets itself.</summary>
    private static IEnumerable<Variant> Shadowing()
    {
        const string Body = "[Network]\npublic partial class Net\n{\n    [Input(2)] public partial Layer X { get; }\n    [Dense(1)] public partial Layer Y { get; }\n}\n";
        string[] shadows =
        {
            "namespace Other { public sealed class DenseAttribute : System.Attribute { public DenseAttribute(string s) { } } }",
            "namespace Other { public sealed class NetworkAttribute : System.Attribute { public string? Loss { get; set; } } }",
            "public sealed class DenseAttribute : System.Attribute { public DenseAttribute(string s) { } }",
            "public sealed class DenseAttribute : System.Attribute { public DenseAttribute(int units) { } }",
            "public sealed class NetworkAttribute : System.Attribute { public string? Loss { get; set; } }",
            "public sealed class InputAttribute : System.Attribute { public InputAttribute(string s) { } }",
            "public sealed class Layer { }",
            "namespace Compiled.Nets { public sealed class DenseAttribute : System.Attribute { public DenseAttribute(string s) { } } }",
            "namespace Compiled.Nets { public sealed class DenseAttribute : System.Attribute { public DenseAttribute(int units, string activation = \"\") { } } }",
            "namespace Compiled.Nets { public sealed class NetworkAttribute : System.Attribute { public string? Loss { get; set; } public object? Seed { get; set; } } }",
            "namespace Compiled.Nets { public sealed class InputAttribute : System.Attribute { public InputAttribute(string s) { } } }",
            "namespace Compiled.Nets { public sealed class Layer { } }",
            "namespace Compiled.Nets { public enum Loss { Auto = 7, Other = 100 } }",
        };
        foreach (string shadow in shadows)
        {
            string[] usings = { "using Compiled.Nets;\n", "using Compiled.Nets;\nusing Other;\n" };
            foreach (string u in usings)
            {
                if (u.Contains("Other") && !shadow.Contains("namespace Other")) continue;
                string source = u + shadow + "\n" + Body.Replace("[Network]", shadow.Contains("NetworkAttribute") && shadow.Contains("Loss") ? "[Network(Loss = \"x\")]" : "[Network]")
                                                         .Replace("[Dense(1)]", shadow.Contains("DenseAttribute(string") ? "[Dense(\"one\")]" : "[Dense(1)]")
                                                         .Replace("[Input(2)]", shadow.Contains("InputAttribute(string") ? "[Input(\"two\")]" : "[Input(2)]");
                yield return V("Shadowing", $"{u.Replace("\n", " ")}{shadow}", source);
            }
        }
    }

    // ------------------------------------------------------------------ checking

    /// <summary>Why the variant fails, or null when the generator behaved.</summary>
    internal static string? Failure(Variant variant)
    {
        var compilation = GeneratorHarness.Compile(variant.Sources);
        var driver = GeneratorHarness.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out var output, out var generatorDiagnostics);
        var run = driver.GetRunResult().Results.Single();
        if (run.Exception is not null) return $"crash: {run.Exception.GetType().Name}: {run.Exception.Message}";
        var internalError = generatorDiagnostics.Concat(run.Diagnostics).FirstOrDefault(d => d.Id == "CN9999");
        if (internalError is not null) return $"CN9999: {internalError.GetMessage()}";
        bool cnError = run.Diagnostics.Any(d => d.Id.StartsWith("CN", StringComparison.Ordinal) && d.Severity == DiagnosticSeverity.Error);

        var userFiles = compilation.SyntaxTrees.Select(t => t.FilePath).ToHashSet();
        var generatedErrors = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceTree is { } tree && !userFiles.Contains(tree.FilePath))
            .ToList();
        if (generatedErrors.Count > 0)
        {
            string what = cnError ? "the stub emitted with the CN error does not compile" : "generated code does not compile";
            return $"{what}: {generatedErrors[0]} (and {generatedErrors.Count - 1} more)";
        }
        if (variant.MustReportError && !cnError) return "accepted without a CN error";
        return null;
    }

    private static readonly Lazy<Dictionary<string, List<(Variant Variant, string Failure)>>> Results = new(() =>
        Corpus.Value.GroupBy(v => v.Category).ToDictionary(g => g.Key,
            g => g.Select(v => (v, Failure(v))).Where(r => r.Item2 is not null).Select(r => (r.v, r.Item2!)).ToList()));

    public static IEnumerable<object[]> Categories() =>
        Corpus.Value.Select(v => v.Category).Distinct().Select(c => new object[] { c });

    [Fact]
    public void Corpus_has_at_least_500_variants()
    {
        Assert.True(Corpus.Value.Count >= 500, $"the corpus has {Corpus.Value.Count} variants");
    }

    [Theory]
    [MemberData(nameof(Categories))]
    public void Generator_never_breaks_the_build(string category)
    {
        var failures = Results.Value[category];
        Assert.True(failures.Count == 0, Describe(category, failures));
    }

    /// <summary>Issue 10: a network of 1,000 Dense layers is generated (parse to source) in under a second, after a warm-up.</summary>
    [Fact]
    public void A_thousand_dense_layers_generate_in_under_a_second()
    {
        var members = new System.Text.StringBuilder("    [Input(8)] public partial Layer X { get; }\n");
        for (int i = 0; i < 1000; i++) members.Append($"    [Dense(8, Activation.Tanh)] public partial Layer L{i} {{ get; }}\n");
        string source = Net(members.ToString(), "[Network(Loss = Loss.MeanSquaredError)]\npublic partial class Deep");
        var compilation = GeneratorHarness.Compile(source);

        GeneratorHarness.CreateDriver().RunGenerators(compilation); // warm-up: JIT and Roslyn caches
        // The generator runs on the calling thread: its CPU time is what a build pays, whatever else the machine runs
        // (the other test assemblies share CI's two cores). Best of three.
        GeneratorDriver driver = null!;
        double best = double.MaxValue, wall = 0;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var stopwatch = Stopwatch.StartNew();
            double before = ThreadCpuSeconds();
            driver = GeneratorHarness.CreateDriver().RunGenerators(compilation);
            double cpu = ThreadCpuSeconds() - before;
            if (cpu < best) { best = cpu; wall = stopwatch.Elapsed.TotalSeconds; }
        }

        var run = driver.GetRunResult().Results.Single();
        Assert.Null(run.Exception);
        Assert.Empty(run.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains("L999", Assert.Single(run.GeneratedSources, s => s.HintName == "Fuzz.Deep.g.cs").SourceText.ToString());
        Assert.Equal(2, run.GeneratedSources.Length);
        Console.WriteLine($"generating 1,000 Dense layers: {best * 1000:N0} ms of CPU on the generating thread ({wall * 1000:N0} ms wall)");
        Assert.True(best < 1.0, $"generating 1,000 Dense layers took {best * 1000:N0} ms of CPU ({wall * 1000:N0} ms wall)");
    }

    /// <summary>This thread's CPU time (Linux: clock_gettime(CLOCK_THREAD_CPUTIME_ID)); elsewhere, wall time.</summary>
    private static double ThreadCpuSeconds()
    {
        if (!OperatingSystem.IsLinux()) return Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency;
        ClockGetTime(3, out var time); // CLOCK_THREAD_CPUTIME_ID
        return time.Seconds + time.Nanoseconds * 1e-9;
    }

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds; public long Nanoseconds; }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    private static string Describe(string category, List<(Variant Variant, string Failure)> failures) =>
        $"{failures.Count} of {Corpus.Value.Count(v => v.Category == category)} '{category}' variants fail:\n" +
        string.Join("\n", failures.Take(20).Select(f => $"- {f.Variant.Name}: {f.Failure}"));

    /// <summary>Writes every category's results to the file named by CORPUS_REPORT (for triage; not a test by default).</summary>
    [Fact]
    public void Report()
    {
        string? path = Environment.GetEnvironmentVariable("CORPUS_REPORT");
        if (path is null) return;
        var lines = new List<string> { $"{Corpus.Value.Count} variants" };
        foreach (var category in Corpus.Value.Select(v => v.Category).Distinct())
        {
            var failures = Results.Value[category];
            lines.Add($"== {category}: {Corpus.Value.Count(v => v.Category == category)} variants, {failures.Count} failures");
            foreach (var (variant, failure) in failures)
            {
                lines.Add($"- {variant.Name}: {failure}");
            }
        }
        System.IO.File.WriteAllLines(path, lines);
    }
}
