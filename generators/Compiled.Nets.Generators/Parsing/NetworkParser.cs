using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Compiled.Nets.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Nets.Generators.Parsing;

/// <summary>
/// Reads a [Network] class into a <see cref="NetworkSpec"/>. Runs on every edit of the class, so it is
/// defensive: half-typed attributes (error types, missing arguments) give no spec and no exception.
/// </summary>
internal static class NetworkParser
{
    public const string NetworkAttributeName = "Compiled.Nets.NetworkAttribute";
    private const string AttributeNamespace = "Compiled.Nets";

    /// <summary>The layer attributes the generator reads, by class name.</summary>
    private static readonly Dictionary<string, LayerKind> LayerKinds = new()
    {
        ["InputAttribute"] = LayerKind.Input,
        ["DenseAttribute"] = LayerKind.Dense,
        ["DropoutAttribute"] = LayerKind.Dropout,
        ["BatchNormAttribute"] = LayerKind.BatchNorm,
        ["PReLUAttribute"] = LayerKind.PReLU,
        ["Conv1DAttribute"] = LayerKind.Conv1D,
        ["Conv2DAttribute"] = LayerKind.Conv2D,
        ["ConvTranspose2DAttribute"] = LayerKind.ConvTranspose2D,
        ["SeparableConv2DAttribute"] = LayerKind.SeparableConv2D,
        ["MaxPoolAttribute"] = LayerKind.MaxPool,
        ["AvgPoolAttribute"] = LayerKind.AvgPool,
        ["GlobalAveragePoolAttribute"] = LayerKind.GlobalAveragePool,
        ["FlattenAttribute"] = LayerKind.Flatten,
        ["MaxUnpoolAttribute"] = LayerKind.MaxUnpool,
        ["AddAttribute"] = LayerKind.Add,
        ["ConcatAttribute"] = LayerKind.Concat,
        ["MaxoutAttribute"] = LayerKind.Maxout,
    };

    public static StageResult<NetworkSpec> Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
    {
        var diagnostics = ImmutableArray.CreateBuilder<DiagnosticInfo>();
        var type = (INamedTypeSymbol)context.TargetSymbol;
        var networkAttribute = context.Attributes[0];
        var networkLocation = LocationInfo.From(networkAttribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation())
            ?? LocationInfo.From(type.Locations.FirstOrDefault());
        try
        {
            var spec = ParseNetwork(type, networkAttribute, networkLocation, diagnostics, cancellationToken);
            return new StageResult<NetworkSpec>(spec, diagnostics.ToEquatableArray());
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception exception)
        {
            // The generator must never crash the compilation: report and emit nothing for this class.
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, networkLocation, type.Name, exception.Message));
            return new StageResult<NetworkSpec>(null, diagnostics.ToEquatableArray());
        }
    }

    private static NetworkSpec? ParseNetwork(INamedTypeSymbol type, AttributeData networkAttribute, LocationInfo? location,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        if (networkAttribute.AttributeClass is null or IErrorTypeSymbol) return null;

        // The class and every containing type must be partial for a second part to be added.
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (!IsPartial(t, cancellationToken))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, location, t.Name));
                return null;
            }
        }
        if (type.IsGenericType || type.ContainingType is { IsGenericType: true })
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedNetworkType, location, type.Name, "generic network types are not supported"));
            return null;
        }
        if (type.TypeKind != TypeKind.Class || type.IsStatic)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedNetworkType, location, type.Name, "a network must be a non-static class"));
            return null;
        }

        var loss = LossKind.Auto;
        var training = TrainingRuleKind.GradientDescent;
        int seed = 0;
        float learningRate = 0.01f;
        var initialization = InitializationKind.GlorotUniform;
        int unrollLimit = 64; // keep in step with NetworkAttribute.UnrollLimit
        float l1 = 0f, l2 = 0f;
        bool regularizeBiases = false;
        foreach (var named in networkAttribute.NamedArguments)
        {
            if (named.Value.Kind == TypedConstantKind.Error || named.Value.Value is null) return null;
            switch (named.Key)
            {
                case "Loss": loss = (LossKind)Convert.ToInt32(named.Value.Value); break;
                case "Training": training = (TrainingRuleKind)Convert.ToInt32(named.Value.Value); break;
                case "Seed": seed = Convert.ToInt32(named.Value.Value); break;
                case "LearningRate": learningRate = Convert.ToSingle(named.Value.Value); break;
                case "Initialization": initialization = (InitializationKind)Convert.ToInt32(named.Value.Value); break;
                case "UnrollLimit": unrollLimit = Convert.ToInt32(named.Value.Value); break;
                case "L1": l1 = Convert.ToSingle(named.Value.Value); break;
                case "L2": l2 = Convert.ToSingle(named.Value.Value); break;
                case "RegularizeBiases": regularizeBiases = Convert.ToBoolean(named.Value.Value); break;
            }
        }
        if (initialization == InitializationKind.Default) initialization = InitializationKind.GlorotUniform;

        var layers = ImmutableArray.CreateBuilder<LayerSpec>();
        foreach (var member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member is not IPropertySymbol property) continue;
            // A partial property has a definition and an implementation part; read the definition only.
            if (property.IsPartialDefinition == false && property.PartialDefinitionPart is not null) continue;
            foreach (var attribute in property.GetAttributes())
            {
                var attributeClass = attribute.AttributeClass;
                if (attributeClass is null) continue;
                if (attributeClass is IErrorTypeSymbol)
                {
                    // Half-typed code: the compiler reports the unknown attribute; emit nothing until it binds.
                    return null;
                }
                if (attributeClass.ContainingNamespace?.ToDisplayString() != AttributeNamespace) continue;
                if (!Pipeline.Symbols.IsLibrary(attributeClass)) continue; // a user type that shares the library's name
                if (!LayerKinds.ContainsKey(attributeClass.Name)) continue;
                if (attribute.AttributeConstructor is null || attribute.ConstructorArguments.Any(a => a.Kind == TypedConstantKind.Error))
                    return null;

                var layer = ParseLayer(property, attribute, diagnostics, cancellationToken);
                if (layer is null) return null;
                layers.Add(layer);
            }
        }

        var typeInfo = new TypeDeclarationInfo(
            type.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() : "",
            type.Name,
            ContainingTypeHeaders(type));
        return new NetworkSpec(typeInfo, loss, training, seed, learningRate, initialization, unrollLimit, l1, l2, regularizeBiases,
            location, layers.ToEquatableArray());
    }

    private static LayerSpec? ParseLayer(IPropertySymbol property, AttributeData attribute,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        var syntax = property.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as PropertyDeclarationSyntax;
        var location = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation())
            ?? LocationInfo.From(property.Locations.FirstOrDefault());

        if (property.Type is IErrorTypeSymbol) return null;
        if (property.Type.ToDisplayString() != "Compiled.Nets.Layer")
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WrongLayerPropertyType, location, property.Name, property.Type.ToDisplayString()));
            return null;
        }

        bool isPartial = syntax?.Modifiers.Any(SyntaxKind.PartialKeyword) == true;
        string modifiers = syntax is null
            ? ""
            : string.Join(" ", syntax.Modifiers.Where(m => !m.IsKind(SyntaxKind.PartialKeyword)).Select(m => m.Text));
        if (!isPartial)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerNotPartial, location, property.Name));

        var args = attribute.ConstructorArguments;
        var kind = LayerKinds[attribute.AttributeClass!.Name];
        var shape = new List<int>();
        var inputNames = new List<string>();
        int units = 0, kernel = 0, stride = 1, paddingSize = -1, groups = 1, outputPadding = 0, pieces = 0;
        var padding = PaddingKind.Valid;
        string reference = "";
        var activation = ActivationKind.Linear;
        float slope = float.NaN, biasInitialValue = 0f, l1 = float.NaN, l2 = float.NaN, rate = 0f, momentum = 0.1f, epsilon = 1e-5f;
        var initialization = InitializationKind.Default;
        int Int(int index) => Convert.ToInt32(args[index].Value);
        bool Has(int index) => args.Length > index && args[index].Value is not null;
        switch (kind)
        {
            case LayerKind.Input:
                foreach (var arg in args)
                {
                    if (arg.Kind == TypedConstantKind.Array)
                    {
                        if (arg.IsNull) return null;
                        foreach (var value in arg.Values) shape.Add(Convert.ToInt32(value.Value));
                    }
                    else if (arg.Value is not null)
                    {
                        shape.Add(Convert.ToInt32(arg.Value));
                    }
                }
                break;
            case LayerKind.Dense:
                if (!Has(0)) return null;
                units = Int(0);
                if (Has(1)) activation = (ActivationKind)Int(1);
                break;
            case LayerKind.Dropout:
                if (!Has(0)) return null;
                rate = Convert.ToSingle(args[0].Value);
                break;
            case LayerKind.BatchNorm:
                if (Has(0)) activation = (ActivationKind)Int(0);
                break;
            case LayerKind.PReLU:
                slope = 0.25f;
                break;
            case LayerKind.Conv1D or LayerKind.Conv2D or LayerKind.ConvTranspose2D or LayerKind.SeparableConv2D:
                if (!Has(0) || !Has(1)) return null;
                units = Int(0);
                kernel = Int(1);
                if (Has(2)) activation = (ActivationKind)Int(2);
                if (kind == LayerKind.ConvTranspose2D) paddingSize = 0;
                break;
            case LayerKind.MaxPool or LayerKind.AvgPool:
                if (!Has(0)) return null;
                kernel = Int(0);
                stride = 0;
                paddingSize = 0;
                break;
            case LayerKind.MaxUnpool:
                if (!Has(0)) return null;
                reference = (string)args[0].Value!;
                break;
            case LayerKind.Add or LayerKind.Concat:
                foreach (var arg in args)
                {
                    if (arg.Kind == TypedConstantKind.Array)
                    {
                        if (arg.IsNull) return null;
                        foreach (var value in arg.Values)
                        {
                            if (value.Value is not string name) return null;
                            inputNames.Add(name);
                        }
                    }
                    else if (arg.Value is string name)
                    {
                        inputNames.Add(name);
                    }
                }
                break;
            case LayerKind.Maxout:
                if (!Has(0) || !Has(1)) return null;
                units = Int(0);
                pieces = Int(1);
                break;
        }
        foreach (var named in attribute.NamedArguments)
        {
            if (named.Value.Kind == TypedConstantKind.Error) return null;
            if (named.Value.Value is null)
            {
                if (named.Key == "Input") continue; // Input = null: the layer declared before
                return null;
            }
            switch (named.Key)
            {
                case "Slope": slope = Convert.ToSingle(named.Value.Value); break;
                case "InitialSlope": slope = Convert.ToSingle(named.Value.Value); break;
                case "Initialization": initialization = (InitializationKind)Convert.ToInt32(named.Value.Value); break;
                case "BiasInitialValue": biasInitialValue = Convert.ToSingle(named.Value.Value); break;
                case "L1": l1 = Convert.ToSingle(named.Value.Value); break;
                case "L2": l2 = Convert.ToSingle(named.Value.Value); break;
                case "Momentum": momentum = Convert.ToSingle(named.Value.Value); break;
                case "Epsilon": epsilon = Convert.ToSingle(named.Value.Value); break;
                case "Activation": activation = (ActivationKind)Convert.ToInt32(named.Value.Value); break;
                case "Stride": stride = Convert.ToInt32(named.Value.Value); break;
                case "Padding": padding = (PaddingKind)Convert.ToInt32(named.Value.Value); break;
                case "PaddingSize": paddingSize = Convert.ToInt32(named.Value.Value); break;
                case "Groups": groups = Convert.ToInt32(named.Value.Value); break;
                case "OutputPadding": outputPadding = Convert.ToInt32(named.Value.Value); break;
                case "Input" when kind is not (LayerKind.Add or LayerKind.Concat): inputNames.Add((string)named.Value.Value!); break;
            }
        }
        return new LayerSpec(property.Name, kind, shape.ToEquatableArray(), units, activation, slope, initialization,
            biasInitialValue, l1, l2, rate, momentum, epsilon, modifiers, isPartial, location, inputNames.ToEquatableArray(),
            new WindowSpec(kernel, stride, padding, paddingSize, groups, outputPadding), pieces, reference);
    }

    private static bool IsPartial(INamedTypeSymbol type, CancellationToken cancellationToken) =>
        type.DeclaringSyntaxReferences.Any(r =>
            r.GetSyntax(cancellationToken) is TypeDeclarationSyntax declaration && declaration.Modifiers.Any(SyntaxKind.PartialKeyword));

    private static EquatableArray<string> ContainingTypeHeaders(INamedTypeSymbol type)
    {
        var headers = new List<string>();
        for (var t = type.ContainingType; t is not null; t = t.ContainingType)
        {
            string keyword = t.IsRecord
                ? (t.TypeKind == TypeKind.Struct ? "record struct" : "record")
                : t.TypeKind switch { TypeKind.Struct => "struct", TypeKind.Interface => "interface", _ => "class" };
            headers.Insert(0, $"partial {keyword} {t.Name}");
        }
        return headers.ToEquatableArray();
    }
}
