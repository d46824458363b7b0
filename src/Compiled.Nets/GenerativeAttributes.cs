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
