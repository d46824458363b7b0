using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Compiled.Nets.Generators.Layers;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;
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
        bool sumPerSample = false;
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
                case "Reduction": sumPerSample = Convert.ToInt32(named.Value.Value) == 1; break;
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
                if (!LayerFamilies.ByAttribute.ContainsKey(attributeClass.Name)) continue;
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
        return new NetworkSpec
        {
            Type = typeInfo, Loss = loss, Training = training, Seed = seed, LearningRate = learningRate, Initialization = initialization,
            UnrollLimit = unrollLimit, L1 = l1, L2 = l2, RegularizeBiases = regularizeBiases, SumPerSample = sumPerSample, Location = location, Layers = layers.ToEquatableArray(),
        };
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

        // The common named argument Input is read here; a half-typed named value gives no spec until it binds.
        var inputNames = new List<string>();
        var named = new List<KeyValuePair<string, object>>();
        float activityL1 = 0f;
        bool trainable = true;
        float sparsityTarget = 0.05f, sparsityWeight = 0f;
        foreach (var argument in attribute.NamedArguments)
        {
            if (argument.Value.Kind == TypedConstantKind.Error) return null;
            if (argument.Value.Value is null)
            {
                if (argument.Key is "Input" or "TiedTo") continue; // Input = null: the layer declared before; TiedTo = null: untied
                return null;
            }
            if (argument.Key == "Input") inputNames.Add((string)argument.Value.Value);
            else if (argument.Key == "ActivityL1") activityL1 = System.Convert.ToSingle(argument.Value.Value);
            else if (argument.Key == "Trainable") trainable = (bool)argument.Value.Value;
            else if (argument.Key == "SparsityTarget") sparsityTarget = System.Convert.ToSingle(argument.Value.Value);
            else if (argument.Key == "SparsityWeight") sparsityWeight = System.Convert.ToSingle(argument.Value.Value);
            else named.Add(new KeyValuePair<string, object>(argument.Key, argument.Value.Value));
        }
        var reader = new LayerAttribute(attribute.AttributeClass!.Name, attribute.ConstructorArguments, named);
        var options = LayerFamilies.ByAttribute[reader.AttributeName].Parse(reader);
        if (options is null) return null;
        return new LayerSpec
        {
            Name = property.Name,
            Options = options,
            Modifiers = modifiers,
            IsPartial = isPartial,
            Location = location,
            // A join names its inputs in its constructor; any other layer may name one with Input = nameof(…).
            InputNames = (reader.InputNames.Count > 0 ? reader.InputNames : inputNames).ToEquatableArray(),
            ActivityL1 = activityL1,
            Trainable = trainable,
            SparsityTarget = sparsityTarget,
            SparsityWeight = sparsityWeight,
        };
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
