using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators.Layers;

/// <summary>The checks every layer with an element-wise activation shares: differentiability, softmax placement, the slope.</summary>
internal static class ActivationRules
{
    /// <summary>Reports a step activation in a network trained by gradient descent and a softmax where it does not belong.</summary>
    public static void Check(ShapeContext context, LayerSpec layer, ActivationKind activation, SoftmaxRule softmax)
    {
        if (context.GradientDescent && activation is ActivationKind.Heaviside or ActivationKind.Sign)
            context.Report(DiagnosticDescriptors.NonDifferentiableActivation, layer.Location, layer.Name, activation.Describe());
        if (softmax == SoftmaxRule.OverUnits && !context.IsOutput && activation == ActivationKind.Softmax)
            context.Report(DiagnosticDescriptors.HiddenSoftmax, layer.Location, layer.Name);
        if (softmax == SoftmaxRule.Rejected && activation == ActivationKind.Softmax)
            context.Report(DiagnosticDescriptors.UnsupportedActivation, layer.Location, layer.Name, "activation",
                "softmax", "softmax normalises a Dense layer's units; end the network with [Dense(classes, Activation.Softmax)]");
    }

    /// <summary>The activation's parameter: the logistic slope k (default 1), the leaky ReLU α (default 0.01); NaN otherwise.</summary>
    public static float ResolveSlope(ShapeContext context, LayerSpec layer, ActivationKind activation, float slope)
    {
        bool set = !float.IsNaN(slope);
        switch (activation)
        {
            case ActivationKind.Logistic:
                if (!set) return 1f;
                if (!(slope > 0f) || float.IsInfinity(slope))
                    context.Report(DiagnosticDescriptors.InvalidSlope, layer.Location, layer.Name, ShapeContext.Format(slope),
                        "the logistic slope k in σ(k z) must be positive and finite");
                return slope;
            case ActivationKind.LeakyReLU:
                if (!set) return 0.01f;
                if (!(slope >= 0f && slope < 1f))
                    context.Report(DiagnosticDescriptors.InvalidSlope, layer.Location, layer.Name, ShapeContext.Format(slope),
                        "the leaky ReLU slope α must be in [0, 1)");
                return slope;
            default:
                if (set)
                    context.Report(DiagnosticDescriptors.UnusedSlope, layer.Location, layer.Name, activation.Describe());
                return float.NaN;
        }
    }
}

/// <summary>Where a layer's softmax activation is allowed.</summary>
internal enum SoftmaxRule
{
    /// <summary>Over a Dense layer's units (a warning when hidden).</summary>
    OverUnits,
    /// <summary>Not on this layer: an error pointing at Dense.</summary>
    Rejected,
    /// <summary>The family reports it with its own message.</summary>
    CheckedByFamily,
}
