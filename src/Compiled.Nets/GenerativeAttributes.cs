using System;

namespace Compiled.Nets;

/// <summary>
/// The variational autoencoder's reparameterisation (Kingma &amp; Welling 2014): z = μ + σ ⊙ ε with σ = exp(½ log σ²) and
/// ε ~ N(0, 1) drawn from the network's random stream, so the gradient reaches μ and log σ² through the sample. Adds
/// <see cref="Beta"/> · KL(N(μ, σ²) ‖ N(0, 1)) = β · Σ −½ (1 + log σ² − μ² − σ²), summed over z's units and averaged over
/// the batch, to the loss. At inference (Predict, Forward) z = μ; <c>EvaluateLoss(…, training: true)</c> samples as in training.
/// <c>[Reparameterize(nameof(Mu), nameof(LogVar))]</c>, where Mu and LogVar are layers of the same size.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class ReparameterizeAttribute : LayerAttribute
{
    /// <summary>z sampled from the layers <paramref name="mean"/> (μ) and <paramref name="logVariance"/> (log σ²), named with <c>nameof</c>.</summary>
    public ReparameterizeAttribute(string mean, string logVariance)
    {
        Mean = mean;
        LogVariance = logVariance;
    }

    /// <summary>The layer whose outputs are μ (use <c>nameof</c>).</summary>
    public string Mean { get; }

    /// <summary>The layer whose outputs are log σ² (use <c>nameof</c>).</summary>
    public string LogVariance { get; }

    /// <summary>The KL term's weight β (1: the VAE's evidence lower bound; β-VAE for other values); zero or positive.</summary>
    public float Beta { get; set; } = 1f;
}

/// <summary>How a binary stochastic neuron's gradient is estimated (the sample itself has none).</summary>
public enum StochasticEstimator
{
    /// <summary>
    /// The sigmoid-adjusted straight-through estimator (Bengio, Léonard and Courville 2013): the backward pass uses the
    /// derivative of the unit's expectation, ∂E[y]/∂x = σ(x)(1 − σ(x)) (for Sign, 2σ(x)(1 − σ(x))).
    /// </summary>
    SigmoidStraightThrough = 0,
    /// <summary>The plain straight-through estimator (Hinton's lectures, 2012): the gradient passes as if y = x.</summary>
    IdentityStraightThrough,
}

/// <summary>
/// Stochastic neurons (the course's sidestep): y = f(x + z) with z drawn from the standard logistic distribution
/// (z = ln u − ln(1 − u), u uniform) on every value while training, where x is the previous layer's output — declare that
/// layer linear, so x is the pre-activation wᵀx + b. With <see cref="Activation.Heaviside"/> (the default) the unit is a
/// binary stochastic neuron: P(y = 1) = P(x + z ≥ 0) = σ(x), trained through <see cref="Estimator"/>. With a
/// differentiable f the noise is a constant of the step and the gradient is f′ exactly. At inference the noise is off:
/// y = f(x). <c>[Dense(64)] Pre</c>, then <c>[StochasticNeuron] Binary</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false, AllowMultiple = false)]
public sealed class StochasticNeuronAttribute : LayerAttribute
{
    /// <summary>Stochastic neurons with <paramref name="activation"/> after the noise (Heaviside by default: binary units).</summary>
    public StochasticNeuronAttribute(Activation activation = Activation.Heaviside) => Activation = activation;

    /// <summary>The activation f after the noise: Heaviside or Sign (binary units), or any differentiable one but softmax.</summary>
    public Activation Activation { get; }

    /// <summary>The gradient estimator of a Heaviside or Sign unit (ignored, with a warning, for a differentiable f).</summary>
    public StochasticEstimator Estimator { get; set; } = StochasticEstimator.SigmoidStraightThrough;

    /// <summary>The negative slope α of <see cref="Activation.LeakyReLU"/> or the slope k of <see cref="Activation.Logistic"/>.</summary>
    public float Slope { get; set; } = float.NaN;
}
