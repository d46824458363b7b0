namespace Compiled.Nets;

/// <summary>Activation functions. Derivatives are computed from the activation's output.</summary>
public enum Activation
{
    /// <summary>The identity: f(z) = z.</summary>
    Linear = 0,
    /// <summary>Heaviside step: 1 if z ≥ 0, else 0. Not differentiable: train with the perceptron rule.</summary>
    Heaviside,
    /// <summary>Sign: 1 if z ≥ 0, else −1. Not differentiable: train with the perceptron rule.</summary>
    Sign,
    /// <summary>Logistic sigmoid with slope k: f(z) = 1 / (1 + e^(−k z)).</summary>
    Logistic,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Rectified linear unit: max(0, z).</summary>
    ReLU,
    /// <summary>Leaky ReLU: z if z ≥ 0, else α z.</summary>
    LeakyReLU,
    /// <summary>Softplus: ln(1 + e^z).</summary>
    Softplus,
    /// <summary>Softmax over the layer's units.</summary>
    Softmax,
    /// <summary>Alias of <see cref="Logistic"/> with slope 1.</summary>
    Sigmoid = Logistic,
}

/// <summary>Loss functions, each the mean over the batch as PyTorch computes it.</summary>
public enum Loss
{
    /// <summary>The loss matched to the output activation: softmax → softmax cross-entropy, logistic → binary cross-entropy, otherwise mean squared error.</summary>
    Auto = 0,
    /// <summary>Mean of (ŷ − y)² over every output of every sample (PyTorch's MSELoss).</summary>
    MeanSquaredError,
    /// <summary>Mean of −[y ln ŷ + (1 − y) ln(1 − ŷ)] over every output (PyTorch's BCELoss).</summary>
    BinaryCrossEntropy,
    /// <summary>
    /// Softmax log-likelihood (categorical cross-entropy), −Σ y ln softmax(z), averaged over the batch.
    /// With a Softmax output layer it is computed on the layer's probabilities; with any other output
    /// the outputs are treated as logits (PyTorch's CrossEntropyLoss). Either way the gradient is ŷ − y.
    /// </summary>
    SoftmaxCrossEntropy,
}

/// <summary>How the output loss is reduced over a batch (<see cref="NetworkAttribute.Reduction"/>).</summary>
public enum LossReduction
{
    /// <summary>The mean over every output value of every sample.</summary>
    Mean = 0,
    /// <summary>Summed over each sample's output values, then the mean over the batch: a loss per sample.</summary>
    SumPerSample,
}

/// <summary>How a network learns (<see cref="NetworkAttribute.Training"/>).</summary>
public enum TrainingRule
{
    /// <summary>Mini-batch stochastic gradient descent on the network's loss.</summary>
    GradientDescent = 0,
    /// <summary>Rosenblatt's perceptron learning rule w ← w + η (y − ŷ) x, for one Heaviside or Sign layer.</summary>
    Perceptron,
}

/// <summary>Weight initialisation schemes. Biases start at a constant (0 unless a layer sets <c>BiasInitialValue</c>).</summary>
public enum Initialization
{
    /// <summary>Use the network's default.</summary>
    Default = 0,
    /// <summary>Glorot (Xavier) uniform: U(−a, a), a = √(6 / (fan_in + fan_out)).</summary>
    GlorotUniform,
    /// <summary>Scaled normal: N(0, σ²) with σ = 1/√fan_in.</summary>
    ScaledNormal,
    /// <summary>Glorot (Xavier) normal: N(0, σ²), σ = √(2 / (fan_in + fan_out)).</summary>
    GlorotNormal,
    /// <summary>He (Kaiming) uniform for ReLU layers: U(−a, a), a = √(6 / fan_in).</summary>
    HeUniform,
    /// <summary>He (Kaiming) normal for ReLU layers: N(0, σ²), σ = √(2 / fan_in).</summary>
    HeNormal,
    /// <summary>N(0, 0.02²) whatever the fans: DCGAN's initialisation (Radford et al. 2016) of every convolution and dense weight.</summary>
    DcganNormal,
}
