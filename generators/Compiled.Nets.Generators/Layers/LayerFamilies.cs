using System.Collections.Generic;
using System.Linq;

namespace Compiled.Nets.Generators.Layers;

/// <summary>The registry: every layer family the generator knows. Adding a family is one line here (see docs/architecture.md).</summary>
internal static class LayerFamilies
{
    public static readonly IReadOnlyList<LayerFamily> All = new LayerFamily[]
    {
        Input.InputFamily.Instance,
        Dense.DenseFamily.Instance,
        Maxout.MaxoutFamily.Instance,
        Dropout.DropoutFamily.Instance,
        Normalization.BatchNormFamily.Instance,
        PReLU.PReLUFamily.Instance,
        Convolution.ConvolutionFamily.Instance,
        Pooling.PoolingFamily.Instance,
        Graph.GraphFamily.Instance,
        Recurrent.RecurrentFamily.Instance,
        Embedding.EmbeddingFamily.Instance,
        Sampling.ReparameterizeFamily.Instance,
        LocalNormalization.LocalNormalizationFamily.Instance,
        Noise.NoiseFamily.Instance,
        Stochastic.StochasticFamily.Instance,
    };

    /// <summary>Family by attribute class name (in namespace Compiled.Nets).</summary>
    public static readonly IReadOnlyDictionary<string, LayerFamily> ByAttribute =
        All.SelectMany(f => f.AttributeNames.Select(a => (a, f))).ToDictionary(p => p.a, p => p.f);
}
