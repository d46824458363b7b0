using System;
using System.Collections.Generic;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators.Pipeline;

/// <summary>
/// What a family sees while it lowers one layer: the layers' plans and buffers, the per-sample buffers families
/// allocated (by layer and name, so a layer can use another's: MaxUnpool reads its pooling's switches), and on the
/// way back where each input's gradient goes.
/// </summary>
internal sealed class LoweringContext
{
    private readonly BufferRef[] _buffers;
    private readonly int[] _owner;
    private readonly Func<int, string, BufferRef> _allocate;
    private readonly Dictionary<(int Layer, string Name), BufferRef> _named = new();
    private readonly List<OpPlan> _forward = new();
    private readonly List<OpPlan> _backward = new();

    // Backward: the first gradient into a buffer (in backward order) is written to its delta; every further one to a
    // buffer of its own, summed in before the producer runs backwards.
    private readonly bool[] _written;
    private readonly List<BufferRef>?[] _contributions;
    private readonly bool[] _needsGradient;

    public LoweringContext(ShapedNetwork network, IReadOnlyList<LayerPlan> layers, BufferRef[] buffers, int[] owner,
        Func<int, string, BufferRef> allocate, bool[] needsGradient)
    {
        Network = network;
        Layers = layers;
        _buffers = buffers;
        _owner = owner;
        _allocate = allocate;
        _needsGradient = needsGradient;
        _written = new bool[layers.Count];
        _contributions = new List<BufferRef>?[layers.Count];
    }

    /// <summary>
    /// A context for lowering the backward pass again over other buffers (the composition pass: the input in a buffer of
    /// its own): the same layers, allocator, named buffers and streams, no backward ops or gradient targets yet.
    /// </summary>
    public LoweringContext WithBuffers(BufferRef[] buffers, bool[] needsGradient)
    {
        var copy = new LoweringContext(Network, Layers, buffers, _owner, _allocate, needsGradient) { Loss = Loss, TokenVocabulary = TokenVocabulary };
        foreach (var pair in _named) copy._named[pair.Key] = pair.Value;
        copy._carried.AddRange(_carried);
        copy._streams.AddRange(_streams);
        return copy;
    }

    /// <summary>Whether a backward op wrote the gradient into <paramref name="layer"/>'s buffer.</summary>
    public bool WroteGradientInto(int layer) => _written[_owner[layer]];

    public ShapedNetwork Network { get; }
    public IReadOnlyList<LayerPlan> Layers { get; }
    public int UnrollLimit => Network.UnrollLimit;

    /// <summary>The loss, once lowered (null in the forward pass and for the perceptron rule).</summary>
    public LossPlan? Loss { get; internal set; }

    public IReadOnlyList<OpPlan> ForwardOps => _forward;
    public IReadOnlyList<OpPlan> BackwardOps => _backward;

    /// <summary>The output buffer of layer <paramref name="layer"/> (the network's input: offset −1).</summary>
    public BufferRef Buffer(int layer) => _buffers[layer];

    /// <summary>The buffer of the layer's first input.</summary>
    public BufferRef InputOf(int layer) => _buffers[Layers[layer].Inputs[0]];


    /// <summary>Allocates a per-sample buffer that belongs to <paramref name="layer"/> under <paramref name="name"/>.</summary>
    public BufferRef AllocateNamed(int layer, string name, int width)
    {
        var buffer = _allocate(width, $"{Layers[layer].Name}_{name}");
        _named[(layer, name)] = buffer;
        return buffer;
    }

    public BufferRef Named(int layer, string name) => _named[(layer, name)];

    public void Forward(OpPlan op) => _forward.Add(op);

    private readonly List<CarriedStatePlan> _carried = new();

    /// <summary>The network reads token ids: the smallest vocabulary of the Embeddings reading them (0: no tokens).</summary>
    public int TokenVocabulary { get; private set; }

    /// <summary>An Embedding of <paramref name="vocabulary"/> reads the network's input: the calls check the ids against it.</summary>
    public void RequireTokens(int vocabulary) => TokenVocabulary = TokenVocabulary == 0 ? vocabulary : Math.Min(TokenVocabulary, vocabulary);

    public IReadOnlyList<CarriedStatePlan> CarriedStates => _carried;

    /// <summary>State layer <paramref name="layer"/> carries between calls, <paramref name="width"/> floats per sample.</summary>
    public CarriedStatePlan CarriedState(int layer, int width)
    {
        var state = new CarriedStatePlan(Layers[layer].Name, $"_carried{_carried.Count}", width);
        _carried.Add(state);
        return state;
    }

    private readonly List<RandomStreamPlan> _streams = new();

    public IReadOnlyList<RandomStreamPlan> RandomStreams => _streams;

    /// <summary>A new random stream of the Plan for <paramref name="name"/> (e.g. "Drop: dropout mask"); its key.</summary>
    public int RandomStream(string name)
    {
        _streams.Add(new RandomStreamPlan(_streams.Count, name));
        return _streams.Count - 1;
    }

    public void Backward(OpPlan op) => _backward.Add(op);

    /// <summary>Whether a gradient flows back into layer <paramref name="input"/> (it or a layer before it has parameters).</summary>
    public bool Propagates(int input) => _needsGradient[input];

    /// <summary>Where the gradient into <paramref name="input"/>'s buffer goes: its delta, or a contribution summed in later.</summary>
    public BufferRef DeltaTarget(int input)
    {
        int o = _owner[input];
        if (!_written[o])
        {
            _written[o] = true;
            return _buffers[o];
        }
        var contribution = _allocate(_buffers[o].Width, $"{Layers[o].Name}_gradient");
        (_contributions[o] ??= new List<BufferRef>()).Add(contribution);
        return contribution;
    }

    /// <summary>
    /// For a layer with one input: where the gradient into it goes and its producer's derivative, or (null, linear)
    /// when no gradient flows back into it.
    /// </summary>
    public (BufferRef? Target, ActivationPlan Derivative) GradientInto(int input) =>
        Propagates(input) ? (DeltaTarget(input), DerivativeOf(input)) : (null, ActivationPlan.Linear);

    /// <summary>The contributions to sum into <paramref name="layer"/>'s delta before it runs backwards, or null.</summary>
    public List<BufferRef>? ContributionsTo(int layer) => _contributions[layer];

    /// <summary>Layers whose activation is fused into their op keep their delta at the pre-activation, so the gradient into them is multiplied by f′.</summary>
    public ActivationPlan DerivativeOf(int input)
    {
        var producer = Layers[_owner[input]];
        var shaped = Network.Layers[_owner[input]];
        return shaped.DeltaAtPreActivation && producer.Activation.Kind != ActivationKind.Softmax ? producer.Activation : ActivationPlan.Linear;
    }
}
