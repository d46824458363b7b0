using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Compiled.Nets.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>
/// Network-level checks that run before the parser reads the layers: the type's shape (file-local, record, primary
/// constructor, constructors the generator emits), the [Network] enum settings, and each layer property's shape
/// (get-only, instance, not ref, not an indexer, one layer attribute, a name the generated code does not use).
/// Every diagnostic points at the user's line.
/// </summary>
internal static class NetworkChecks
{
    /// <summary>
    /// Every member name the generated class declares (Emit/CSharpEmitter.cs, both parts), with whether it is a method (a user
    /// method of the same name is an overload, not a clash). A test keeps this list in step with the emitted code.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, bool> GeneratedMembers = new Dictionary<string, bool>(StringComparer.Ordinal)
    {
        // constants, fields and nested types
        ["InputSize"] = false, ["OutputSize"] = false, ["ParameterCount"] = false, ["DefaultSeed"] = false,
        ["ActivationsPerSample"] = false, ["MaxBatchSize"] = false, ["PredictChunk"] = false, ["CudaSource"] = false,
        ["_parameters"] = false, ["_state"] = false, ["_stateBefore"] = false, ["_scratch"] = false, ["_gradients"] = false,
        ["_spareGradients"] = false, ["_stepCount"] = false, ["_optimizer"] = false, ["_maxGradientNorm"] = false, ["_learningRate"] = false,
        ["RandomSeed"] = false, ["RandomStep"] = false, ["Buffers"] = false, ["Workspace"] = false, ["_work"] = false, ["_inference"] = false,
        ["_seed"] = false, ["_layers"] = false, ["_tensors"] = false, ["_cuda"] = false, ["Quantized"] = false,
        ["_trainability"] = false, ["_composedBatch"] = false, ["LayerBufferOffsets"] = false, ["StartProblems"] = false,
        // properties
        ["InputLength"] = false, ["OutputLength"] = false, ["Parameters"] = false, ["Tensors"] = false, ["TensorArray"] = false,
        ["Layers"] = false, ["Gradients"] = false, ["StepCount"] = false, ["Optimizer"] = false, ["MaxGradientNorm"] = false,
        ["LearningRate"] = false, ["Device"] = false, ["Trainable"] = false,
        // methods
        ["InitializeParameters"] = true, ["TrainingWorkspace"] = true, ["RentInference"] = true, ["ValidateBatch"] = true,
        ["CreateLayers"] = true, ["Forward"] = true, ["Predict"] = true, ["TrainStep"] = true, ["ComputeGradients"] = true,
        ["ForwardAndLoss"] = true, ["BeginGradients"] = true, ["RefuseNonFiniteGradients"] = true, ["RefuseNonFiniteOnDevice"] = true,
        ["NonFiniteGradient"] = true, ["SaveState"] = true, ["RestoreState"] = true, ["RefuseNonFiniteState"] = true,
        ["AddPenaltyGradients"] = true, ["Penalty"] = true, ["EvaluateLoss"] = true, ["RunForward"] = true, ["RunLoss"] = true,
        ["RunBackward"] = true, ["PerceptronStep"] = true, ["TrainPerceptron"] = true, ["Summary"] = true,
        ["UseDevice"] = true, ["Dispose"] = true, ["Quantize"] = true, ["ExportOnnx"] = true,
        ["UpdateParameters"] = true, ["RefuseFrozenOnDevice"] = true, ["LayerIndex"] = true, ["ForwardTo"] = true, ["ForwardFrom"] = true,
        ["ForwardTraining"] = true, ["Backward"] = true, ["InputGradient"] = true, ["AddGradients"] = true, ["ApplyGradients"] = true,
        ["RunOutputGradient"] = true, ["RunCompositionBackward"] = true,
    };

    public static void Check(INamedTypeSymbol type, AttributeData networkAttribute, LocationInfo? networkLocation,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        CheckType(type, networkLocation, diagnostics, cancellationToken);
        CheckSettings(type, networkAttribute, networkLocation, diagnostics);
        CheckMembers(type, diagnostics, cancellationToken);
    }

    private static void CheckType(INamedTypeSymbol type, LocationInfo? location, ImmutableArray<DiagnosticInfo>.Builder diagnostics,
        CancellationToken cancellationToken)
    {
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalNetwork, location, type.Name,
                    ReferenceEquals(t, type) ? "it is declared 'file'" : $"its containing type '{t.Name}' is declared 'file'"));
                break;
            }
        }
        if (type.IsRecord && type.TypeKind == TypeKind.Class)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedNetworkType, location, type.Name,
                "records are not supported (the generated part is a class, and a record's members would clash with it); declare a partial class"));

        if (type.IsRecord) return; // a record's primary constructor is part of being a record: reported above or by CN0013
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax { ParameterList: { } parameters })
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConstructorClash, LocationInfo.From(parameters.GetLocation()),
                    type.Name, $"a primary constructor {parameters}",
                    "every other constructor would have to call it, and the generated ones cannot"));
                return;
            }
        }
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.IsImplicitlyDeclared) continue;
            var parameters = constructor.Parameters;
            bool clashes = parameters.Length == 0 || (parameters.Length == 1 && parameters[0].Type.SpecialType == SpecialType.System_Int32);
            if (!clashes) continue;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConstructorClash, LocationInfo.From(constructor.Locations.FirstOrDefault()),
                type.Name, parameters.Length == 0 ? "a constructor 'Net()'".Replace("Net", type.Name) : $"a constructor '{type.Name}(int)'",
                "the generator emits it (the parameterless one uses DefaultSeed; the other takes the seed); add a constructor with other parameters that calls this(seed)"));
        }
    }

    private static readonly (string Setting, Type Kind, string Enum)[] EnumSettings =
    {
        ("Loss", typeof(LossKind), "Loss"),
        ("Training", typeof(TrainingRuleKind), "TrainingRule"),
        ("Initialization", typeof(InitializationKind), "Initialization"),
    };

    private static void CheckSettings(INamedTypeSymbol type, AttributeData networkAttribute, LocationInfo? location,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        foreach (var named in networkAttribute.NamedArguments)
        {
            var setting = EnumSettings.FirstOrDefault(s => s.Setting == named.Key);
            if (setting.Kind is null || named.Value.Kind != TypedConstantKind.Enum || named.Value.Value is null) continue;
            int value;
            try { value = Convert.ToInt32(named.Value.Value); }
            catch (OverflowException) { value = int.MinValue; }
            if (Enum.IsDefined(setting.Kind, value)) continue;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.UndefinedNetworkSetting, location, type.Name, setting.Setting,
                $"({setting.Enum}){named.Value.Value}", setting.Enum, string.Join(", ", Enum.GetNames(setting.Kind).Select(n => $"{setting.Enum}.{n}"))));
        }
    }

    private static void CheckMembers(INamedTypeSymbol type, ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        var layerNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in type.GetMembers())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (member.IsImplicitlyDeclared) continue;
            var property = member as IPropertySymbol;
            // A partial property has a definition and an implementation part; check the definition.
            if (property is { IsPartialDefinition: false, PartialDefinitionPart: not null }) continue;
            var layerAttributes = Symbols.LayerAttributes(member);
            var location = layerAttributes.Count > 0
                ? LocationInfo.From(layerAttributes[0].ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation())
                : LocationInfo.From(member.Locations.FirstOrDefault());
            location ??= LocationInfo.From(member.Locations.FirstOrDefault());

            if (property is not null && layerAttributes.Count > 0)
            {
                CheckLayerProperty(property, layerAttributes, location, diagnostics, cancellationToken);
                layerNames.Add(property.Name);
            }
            CheckName(type, member, layerAttributes.Count > 0, location, diagnostics);
        }
    }

    private static void CheckLayerProperty(IPropertySymbol property, List<AttributeData> layerAttributes, LocationInfo? location,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics, CancellationToken cancellationToken)
    {
        string name = property.IsIndexer ? "this[]" : property.Name;
        if (layerAttributes.Count > 1)
        {
            var second = LocationInfo.From(layerAttributes[1].ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation()) ?? location;
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SeveralLayerAttributes, second, name,
                string.Join(", ", layerAttributes.Select(a => "[" + AttributeName(a) + "]"))));
        }
        if (property.IsIndexer)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerIndexer, location, "[" + AttributeName(layerAttributes[0]) + "]"));
            return;
        }
        if (property.ReturnsByRef || property.ReturnsByRefReadonly)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerRefReturn, location, name,
                property.ReturnsByRefReadonly ? "ref readonly" : "ref"));

        var problems = new List<string>();
        if (property.GetMethod is null) problems.Add("has no get accessor");
        if (property.SetMethod is { IsInitOnly: true }) problems.Add("has an init accessor");
        else if (property.SetMethod is not null) problems.Add("has a set accessor");
        if (problems.Count > 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerNotGetOnly, location, name, string.Join(" and ", problems)));

        var modifiers = new List<string>();
        if (property.IsStatic) modifiers.Add("static");
        if (property.IsRequired) modifiers.Add("required");
        if (property.IsAbstract) modifiers.Add("abstract");
        if (property.IsExtern) modifiers.Add("extern");
        var syntax = property.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) as BasePropertyDeclarationSyntax;
        if (syntax?.Modifiers.Any(SyntaxKind.UnsafeKeyword) == true) modifiers.Add("unsafe");
        if (modifiers.Count > 0)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerModifier, location, name, string.Join(" and ", modifiers)));

        if (Symbols.IsKeyword(name))
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LayerKeywordName, location, name));

        if (property.Type is INamedTypeSymbol { Name: "Layer" } layerType && !Symbols.IsLibrary(layerType) &&
            layerType.ContainingNamespace?.ToDisplayString() == Symbols.LibraryNamespace)
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.WrongLayerPropertyType, location, name,
                $"{layerType.ToDisplayString()} (declared in {layerType.ContainingAssembly?.Name}, not the Compiled.Nets library)"));
    }

    private static void CheckName(INamedTypeSymbol type, ISymbol member, bool isLayer, LocationInfo? location,
        ImmutableArray<DiagnosticInfo>.Builder diagnostics)
    {
        if (member is IMethodSymbol { MethodKind: not MethodKind.Ordinary }) return; // constructors, accessors, operators
        if (!GeneratedMembers.TryGetValue(member.Name, out bool generatedIsMethod)) return;
        // A user method beside a generated method of the same name is an overload; the compiler reports equal signatures.
        if (!isLayer && member is IMethodSymbol && generatedIsMethod) return;
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GeneratedMemberClash, location,
            isLayer ? "Layer" : $"Member", member.Name, type.Name, generatedIsMethod ? "method" : "member"));
    }

    private static string AttributeName(AttributeData attribute)
    {
        string name = attribute.AttributeClass?.Name ?? "";
        return name.EndsWith("Attribute", StringComparison.Ordinal) ? name.Substring(0, name.Length - "Attribute".Length) : name;
    }

    /// <summary>
    /// True when a declaration of the type has a syntax error outside method and accessor bodies: half-typed code the
    /// compiler already reports, for which the generator emits nothing rather than guess.
    /// </summary>
    public static bool IsHalfTyped(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        // Two members of one name (CS0102): which of them is the layer is anyone's guess.
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in type.GetMembers())
        {
            if (member.IsImplicitlyDeclared || member is IMethodSymbol) continue;
            if (member is IPropertySymbol { IsPartialDefinition: false, PartialDefinitionPart: not null }) continue;
            if (!names.Add(member.Name)) return true;
            // A duplicate modifier (CS1004) would be copied into the generated part.
            if (member is IPropertySymbol && member.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax(cancellationToken) is MemberDeclarationSyntax declaration &&
                declaration.Modifiers.GroupBy(m => m.Kind()).Any(g => g.Count() > 1))
                return true;
        }
        foreach (var reference in type.DeclaringSyntaxReferences)
        {
            var node = reference.GetSyntax(cancellationToken);
            foreach (var diagnostic in node.GetDiagnostics())
            {
                if (diagnostic.Severity != DiagnosticSeverity.Error) continue;
                SyntaxNode at;
                try { at = node.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true); }
                catch (ArgumentOutOfRangeException) { return true; }
                bool inBody = at.AncestorsAndSelf().Any(n =>
                    n is BlockSyntax { Parent: BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax } ||
                    n is ArrowExpressionClauseSyntax { Parent: BaseMethodDeclarationSyntax or AccessorDeclarationSyntax or LocalFunctionStatementSyntax } ||
                    n is ArrowExpressionClauseSyntax { Parent: PropertyDeclarationSyntax { AttributeLists.Count: 0 } });
                if (!inBody) return true;
            }
        }
        return false;
    }
}
