namespace Compiled.Nets.Generators.Model;

// These mirror the runtime library's public enums value for value: the generator reads the
// attribute arguments as integers and must not reference the runtime assembly.

internal enum ActivationKind { Linear = 0, Heaviside, Sign, Logistic, Tanh, ReLU, LeakyReLU, Softplus, Softmax }

internal enum LossKind { Auto = 0, MeanSquaredError, BinaryCrossEntropy, SoftmaxCrossEntropy }

internal enum TrainingRuleKind { GradientDescent = 0, Perceptron }

internal enum InitializationKind { Default = 0, GlorotUniform, ScaledNormal, GlorotNormal, HeUniform, HeNormal, DcganNormal }

/// <summary>Mirrors the runtime's Padding enum.</summary>
internal enum PaddingKind { Valid = 0, Same, Full }

/// <summary>
/// Mirrors the runtime's ConvAlgorithm (Compiled.Nets.CompilerServices): how a convolution runs on the CPU, chosen while lowering
/// (Layers/Convolution/ConvolutionAlgorithms.cs) and written into the generated Conv2DShape.
/// </summary>
internal enum ConvAlgorithmKind { Im2Col = 0, ShiftedRows, Direct }

internal static class KindNames
{
    public static string Describe(this ActivationKind kind) => kind switch
    {
        ActivationKind.Linear => "linear",
        ActivationKind.Heaviside => "Heaviside",
        ActivationKind.Sign => "sign",
        ActivationKind.Logistic => "logistic",
        ActivationKind.Tanh => "tanh",
        ActivationKind.ReLU => "ReLU",
        ActivationKind.LeakyReLU => "leaky ReLU",
        ActivationKind.Softplus => "softplus",
        ActivationKind.Softmax => "softmax",
        _ => kind.ToString(),
    };

    public static string Describe(this LossKind kind) => kind switch
    {
        LossKind.MeanSquaredError => "mean squared error",
        LossKind.BinaryCrossEntropy => "binary cross-entropy",
        LossKind.SoftmaxCrossEntropy => "softmax cross-entropy",
        _ => "automatic",
    };
}
