using System;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers;

/// <summary>Checks of settings that several families share: enum arguments in range, finite initial values.</summary>
internal static class SettingRules
{
    /// <summary>
    /// False (with CN0050) when <paramref name="value"/> is not a member of its enum, e.g. <c>(Activation)99</c>: the
    /// emitted code names the member, so an undefined one would not compile.
    /// </summary>
    public static bool Defined<TEnum>(ShapeContext context, LayerSpec layer, string setting, string publicName, TEnum value) where TEnum : struct, Enum
    {
        if (Enum.IsDefined(typeof(TEnum), value)) return true;
        context.Report(DiagnosticDescriptors.UndefinedLayerSetting, layer.Location, layer.Name, setting, $"({publicName}){Convert.ToInt32(value)}", publicName);
        return false;
    }

    public static bool Activation(ShapeContext context, LayerSpec layer, ActivationKind value) => Defined(context, layer, "Activation", "Activation", value);

    public static bool Initialization(ShapeContext context, LayerSpec layer, InitializationKind value) => Defined(context, layer, "Initialization", "Initialization", value);

    /// <summary>False (with CN0061) for a NaN or infinite bias start.</summary>
    public static bool BiasInitialValue(ShapeContext context, LayerSpec layer, float value)
    {
        if (!float.IsNaN(value) && !float.IsInfinity(value)) return true;
        context.Report(DiagnosticDescriptors.InvalidBiasInitialValue, layer.Location, layer.Name, "BiasInitialValue", ShapeContext.Format(value),
            "the biases start at a finite value");
        return false;
    }
}
