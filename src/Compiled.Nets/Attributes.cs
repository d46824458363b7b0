using System;

namespace Compiled.Nets;

/// <summary>
/// Marks a <c>partial class</c> as a network. Its members annotated with layer attributes
/// (<see cref="InputAttribute"/>, <see cref="DenseAttribute"/>) form the layers, in declaration order;
/// the Compiled.Nets source generator emits the forward, backward and update code at compile time.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = false)]
public sealed class NetworkAttribute : Attribute
{
    /// <summary>The loss minimised by <c>TrainStep</c>. <see cref="Loss.Auto"/> picks the loss matched to the output activation.</summary>
    public Loss Loss { get; set; } = Loss.Auto;

    /// <summary>How the network learns: gradient descent (the default) or the perceptron learning rule.</summary>
    public TrainingRule Training { get; set; } = TrainingRule.GradientDescent;

    /// <summary>Seed of the parameter initialisation used by the parameterless constructor.</summary>
    public int Seed { get; set; } = 0;

    /// <summary>Initial learning rate (settable at run time through the <c>LearningRate</c> property).</summary>
    public float LearningRate { get; set; } = 0.01f;

    /// <summary>
    /// How the output loss of mean squared error or binary cross-entropy is reduced: the mean over every value (the default,
    /// PyTorch's <c>reduction='mean'</c>) or summed over each sample's values and averaged over the batch (a VAE's
    /// reconstruction term, PyTorch's <c>reduction='sum'</c> divided by the batch).
    /// </summary>
    public LossReduction Reduction { get; set; } = LossReduction.Mean;

    /// <summary>Default weight initialisation of every layer that does not choose its own.</summary>
    public Initialization Initialization { get; set; } = Initialization.GlorotUniform;

    /// <summary>
    /// Largest layer, in multiply-adds per sample, that is emitted as straight-line code with constant
    /// offsets; larger layers become SIMD loops. The default (64) was chosen by measurement (see docs/code-shape.md).
    /// </summary>
    public int UnrollLimit { get; set; } = 64;

    /// <summary>L1 penalty λ Σ|w| on every layer's weights (layers may override); 0 = off.</summary>
    public float L1 { get; set; }

    /// <summary>L2 penalty (λ/2) Σw² on every layer's weights, PyTorch's weight decay λ (layers may override); 0 = off.</summary>
    public float L2 { get; set; }

    /// <summary>Whether L1/L2 also apply to biases and normalisation parameters (off by default, as is usual).</summary>
    public bool RegularizeBiases { get; set; }
}

/// <summary>
/// The base of every layer attribute except <see cref="InputAttribute"/>: a layer reads the layer declared just
/// before it unless <see cref="Input"/> names another (<c>Input = nameof(Block1)</c>), which makes the network a graph.
/// </summary>
public abstract class LayerAttribute : Attribute
{
    /// <summary>The layer this one reads (use <c>nameof</c>); null reads the layer declared just before.</summary>
    public string? Input { get; set; }

    /// <summary>
    /// An activity penalty λ (the sparse autoencoder's): adds λ · (1/batch) · Σ|a| over the layer's outputs a to the loss,
    /// as Keras's <c>activity_regularizer=l1(λ)</c> does. 0 (the default) adds nothing.
    /// </summary>
    public float ActivityL1 { get; set; }

    /// <summary>
    /// The sparse autoencoder's KL penalty (Ng's notes): adds <see cref="SparsityWeight"/> · Σⱼ KL(ρ ‖ ρ̂ⱼ) to the loss,
    /// ρ̂ⱼ the batch's mean activation of unit j and ρ this target. For a logistic layer; off while SparsityWeight is 0.
    /// </summary>
    public float SparsityTarget { get; set; } = 0.05f;

    /// <summary>The KL sparsity penalty's weight β (0, the default: no penalty).</summary>
    public float SparsityWeight { get; set; }

    /// <summary>
    /// False freezes the layer from the start: training does not change its parameters (gradients still pass through it
    /// to the layers before). <see cref="Layer.Trainable"/> changes it at run time.
    /// </summary>
    public bool Trainable { get; set; } = true;
}

/// <summary>The network's input: its shape per sample: [features] for dense networks, [channels, length] for 1-D and [channels, height, width] for 2-D convolutions.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class InputAttribute : Attribute
{
    /// <summary>The input with the given shape per sample: <c>[Input(784)]</c>, <c>[Input(1, 28, 28)]</c>.</summary>
    public InputAttribute(params int[] shape) => Shape = shape;

    /// <summary>The shape of one sample.</summary>
    public int[] Shape { get; }
}

/// <summary>A fully connected layer: <c>y = f(W x + b)</c>, with <c>W</c> stored <c>[out, in]</c> row-major.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>A dense layer of <paramref name="units"/> outputs followed by <paramref name="activation"/> (linear by default).</summary>
    public DenseAttribute(int units, Activation activation = Activation.Linear)
    {
        Units = units;
        Activation = activation;
    }

    /// <summary>Number of output units.</summary>
    public int Units { get; }

    /// <summary>The activation applied after the affine map.</summary>
    public Activation Activation { get; }

    /// <summary>
    /// The activation's parameter: the slope k of <see cref="Activation.Logistic"/> (σ(k z), default 1)
    /// or the negative slope α of <see cref="Activation.LeakyReLU"/> (default 0.01).
    /// </summary>
    public float Slope { get; set; } = float.NaN;

    /// <summary>Weight initialisation of this layer; <see cref="Initialization.Default"/> uses the network's.</summary>
    public Initialization Initialization { get; set; } = Initialization.Default;

    /// <summary>The constant every bias starts at (default 0).</summary>
    public float BiasInitialValue { get; set; }

    /// <summary>This layer's L1 penalty; NaN (the default) uses the network's.</summary>
    public float L1 { get; set; } = float.NaN;

    /// <summary>This layer's L2 penalty (weight decay); NaN (the default) uses the network's.</summary>
    public float L2 { get; set; } = float.NaN;

    /// <summary>
    /// Tied weights (use <c>nameof</c>): the layer uses that Dense layer's weight transposed, y = f(Wᵀ x + b), and has only
    /// a bias of its own; both layers' gradients add up in the shared weight (the tied autoencoder's decoder). Its units
    /// must be the other layer's inputs, and its input that layer's units.
    /// </summary>
    public string? TiedTo { get; set; }
}

/// <summary>
/// Inverted dropout: while training, each value is zeroed with probability <see cref="Rate"/> and the
/// survivors are scaled by 1 / (1 − rate); at inference it is the identity. Masks are seeded.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>Dropout that drops each value with probability <paramref name="rate"/> while training.</summary>
    public DropoutAttribute(float rate) => Rate = rate;

    /// <summary>The probability of dropping a value, in [0, 1).</summary>
    public float Rate { get; }
}

/// <summary>
/// Batch normalisation over the previous layer's units (PyTorch's BatchNorm1d) or, after a convolution, per channel
/// over the batch and every position of its feature maps (BatchNorm2d / BatchNorm1d on [N, C, L]): batch statistics while
/// training, running averages at inference, learned scale γ (<c>weight</c>) and shift β (<c>bias</c>),
/// followed by an optional activation.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class BatchNormAttribute : LayerAttribute
{
    /// <summary>Batch normalisation followed by <paramref name="activation"/> (linear by default).</summary>
    public BatchNormAttribute(Activation activation = Activation.Linear) => Activation = activation;

    /// <summary>The activation applied after the normalisation.</summary>
    public Activation Activation { get; }

    /// <summary>Weight of the newest batch in the running averages (PyTorch's default 0.1).</summary>
    public float Momentum { get; set; } = 0.1f;

    /// <summary>Added to the variance before the square root (PyTorch's default 1e-5).</summary>
    public float Epsilon { get; set; } = 1e-5f;

    /// <summary>The negative slope α of <see cref="Activation.LeakyReLU"/> after the normalisation (default 0.01; DCGAN uses 0.2).</summary>
    public float Slope { get; set; } = float.NaN;
}

/// <summary>Parametric ReLU: x for x &gt; 0, a x otherwise, with one learned slope a (PyTorch's PReLU()).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class PReLUAttribute : LayerAttribute
{
    /// <summary>The slope's starting value (PyTorch's default 0.25).</summary>
    public float InitialSlope { get; set; } = 0.25f;
}
