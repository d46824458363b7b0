using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators;

/// <summary>
/// ShapedNetwork → NetworkPlan: lays out the arenas, chooses unrolled or SIMD code per layer, and turns
/// layers into fused ops for the forward pass, the loss and the backward pass (last layer first; a buffer read
/// by several layers gets their gradients summed before its producer runs backwards).
/// </summary>
internal static class Lowering
{
    public static StageResult<NetworkPlan> Lower(StageResult<ShapedNetwork> shaped, System.Threading.CancellationToken _)
    {
        if (shaped.Value is null) return new StageResult<NetworkPlan>(null, shaped.Diagnostics);
        return new StageResult<NetworkPlan>(Lower(shaped.Value), shaped.Diagnostics);
    }

    public static NetworkPlan Lower(ShapedNetwork network)
    {
        int count = network.Layers.Count;
        var shapedLayers = network.Layers;

        // Arenas. Parameters: per layer weight then bias, in execution order (PyTorch's state_dict order when the
        // network is declared in order). Activations: every layer's output side by side (a Flatten shares its
        // input's), then the extra per-sample buffers (dropout masks, x̂, switches, internal products).
        var layers = ImmutableArray.CreateBuilder<LayerPlan>();
        var buffers = new BufferRef[count];
        var owner = new int[count]; // the layer whose op writes the buffer (a Flatten's is its input's)
        int parameterOffset = 0, stateOffset = 0, activationOffset = 0;
        for (int i = 0; i < count; i++)
        {
            var layer = shapedLayers[i];
            var activation = new ActivationPlan(layer.Activation, layer.Slope);
            int weightOffset = parameterOffset;
            int biasOffset = weightOffset + layer.WeightCount;
            parameterOffset = biasOffset + layer.BiasCount;
            layers.Add(new LayerPlan(layer.Name, layer.Kind, layer.OutputShape, layer.InputSize, layer.OutputSize, activation,
                layer.Initialization, weightOffset, layer.WeightCount, biasOffset, layer.BiasCount, layer.BiasInitialValue,
                stateOffset, layer.StateCount, layer.Modifiers, layer.IsPartial, layer.Inputs, layer.Window, layer.Pieces, layer.Channels,
                Flops(layer, shapedLayers)));
            stateOffset += layer.StateCount;
            owner[i] = i;
            if (layer.Kind == LayerKind.Input)
            {
                buffers[i] = new BufferRef(-1, layer.OutputSize);
                continue;
            }
            if (layer.Kind == LayerKind.Flatten)
            {
                owner[i] = owner[layer.Inputs[0]];
                buffers[i] = buffers[layer.Inputs[0]] with { Width = layer.OutputSize };
                continue;
            }
            buffers[i] = new BufferRef(activationOffset, layer.OutputSize);
            activationOffset += layer.OutputSize;
        }
        BufferRef Allocate(int width)
        {
            var buffer = new BufferRef(activationOffset, width);
            activationOffset += width;
            return buffer;
        }
        // Extra per-sample buffers: Dropout's mask, BatchNorm's x̂, max pooling's switches, the internal products of
        // Maxout (all pieces) and SeparableConv2D (the depthwise maps).
        var extra = new BufferRef?[count];
        var hidden = new BufferRef?[count];
        var scratch = new int[count];
        int scratchOffset = 0;
        for (int i = 0; i < count; i++)
        {
            var layer = layers[i];
            switch (layer.Kind)
            {
                case LayerKind.Dropout or LayerKind.BatchNorm or LayerKind.MaxPool:
                    extra[i] = Allocate(layer.OutputSize);
                    break;
                case LayerKind.Maxout:
                    hidden[i] = Allocate(layer.OutputSize * layer.Pieces);
                    extra[i] = Allocate(layer.OutputSize);
                    break;
                case LayerKind.SeparableConv2D:
                    hidden[i] = Allocate(layer.Window!.OutputSize);
                    break;
            }
            if (layer.Kind == LayerKind.BatchNorm)
            {
                scratch[i] = scratchOffset;
                scratchOffset += layer.Channels;
            }
        }

        var forward = ImmutableArray.CreateBuilder<OpPlan>();
        for (int i = 1; i < count; i++)
        {
            var layer = layers[i];
            var shaped = shapedLayers[i];
            var input = buffers[layer.Inputs[0]];
            var output = buffers[i];
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    bool softmax = layer.Activation.Kind == ActivationKind.Softmax;
                    forward.Add(new DenseForwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset,
                        softmax ? ActivationPlan.Linear : layer.Activation, IsUnrolled(layer.InputSize, layer.OutputSize, network.UnrollLimit)));
                    if (softmax) forward.Add(new SoftmaxForwardOp(layer.Name, output));
                    break;
                case LayerKind.Dropout:
                    forward.Add(new DropoutForwardOp(layer.Name, input, output, extra[i]!, shaped.Rate));
                    break;
                case LayerKind.PReLU:
                    forward.Add(new PReLUForwardOp(layer.Name, input, output, layer.WeightOffset));
                    break;
                case LayerKind.BatchNorm:
                    forward.Add(new BatchNormForwardOp(layer.Name, input, output, extra[i]!, layer.WeightOffset, layer.BiasOffset,
                        layer.StateOffset, scratch[i], shaped.Momentum, shaped.Epsilon, layer.Activation, layer.Channels));
                    break;
                case LayerKind.Conv1D or LayerKind.Conv2D:
                    forward.Add(new ConvForwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset, layer.Window!, layer.Activation));
                    break;
                case LayerKind.ConvTranspose2D:
                    forward.Add(new ConvTransposeForwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset, layer.Window!, layer.Activation));
                    break;
                case LayerKind.SeparableConv2D:
                {
                    var (depthwise, pointwise) = SeparableParts(layer);
                    forward.Add(new ConvForwardOp(layer.Name + "_depthwise", input, hidden[i]!, depthwise.WeightOffset, depthwise.BiasOffset, layer.Window!, ActivationPlan.Linear));
                    forward.Add(new ConvForwardOp(layer.Name + "_pointwise", hidden[i]!, output, pointwise.WeightOffset, pointwise.BiasOffset, pointwise.Window, layer.Activation));
                    break;
                }
                case LayerKind.MaxPool:
                    forward.Add(new PoolForwardOp(layer.Name, PoolKind.Max, input, output, extra[i], layer.Window!));
                    break;
                case LayerKind.AvgPool:
                    forward.Add(new PoolForwardOp(layer.Name, PoolKind.Average, input, output, null, layer.Window!));
                    break;
                case LayerKind.GlobalAveragePool:
                    forward.Add(new PoolForwardOp(layer.Name, PoolKind.GlobalAverage, input, output, null, layer.Window!));
                    break;
                case LayerKind.MaxUnpool:
                    forward.Add(new UnpoolForwardOp(layer.Name, input, output, extra[shaped.SwitchSource]!, layer.Window!));
                    break;
                case LayerKind.Add:
                    forward.Add(new AddForwardOp(layer.Name, layer.Inputs.Select(j => buffers[j]).ToEquatableArray(), output, layer.Activation));
                    break;
                case LayerKind.Concat:
                    forward.Add(new ConcatForwardOp(layer.Name, layer.Inputs.Select(j => buffers[j]).ToEquatableArray(), output));
                    break;
                case LayerKind.Maxout:
                    // All units·pieces affine values, then the maximum of each unit's pieces (a max pooling over the row).
                    forward.Add(new DenseForwardOp(layer.Name, input, hidden[i]!, layer.WeightOffset, layer.BiasOffset, ActivationPlan.Linear,
                        IsUnrolled(layer.InputSize, layer.OutputSize * layer.Pieces, network.UnrollLimit)));
                    forward.Add(new PoolForwardOp(layer.Name, PoolKind.Max, hidden[i]!, output, extra[i], MaxoutWindow(layer)));
                    break;
            }
        }

        LossPlan? loss = null;
        var backward = ImmutableArray.CreateBuilder<OpPlan>();
        if (network.Training == TrainingRuleKind.GradientDescent)
        {
            var outputLayer = layers[count - 1];
            loss = LowerLoss(network.Loss, outputLayer, buffers[count - 1]);
            LowerBackward(network, layers, buffers, owner, extra, hidden, scratch, loss, Allocate, backward);
        }

        return new NetworkPlan(network.Type, network.Loss, network.Training, network.Seed, network.LearningRate,
            layers[0].OutputSize, layers[count - 1].OutputSize, parameterOffset, stateOffset, scratchOffset, activationOffset,
            buffers[count - 1], layers.ToEquatableArray(), Tensors(layers).ToEquatableArray(),
            Regularization(network, layers).ToEquatableArray(), forward.ToEquatableArray(), loss, backward.ToEquatableArray());
    }

    private static void LowerBackward(ShapedNetwork network, ImmutableArray<LayerPlan>.Builder layers, BufferRef[] buffers, int[] owner,
        BufferRef?[] extra, BufferRef?[] hidden, int[] scratch, LossPlan loss, System.Func<int, BufferRef> allocate,
        ImmutableArray<OpPlan>.Builder backward)
    {
        int count = layers.Count;
        // A layer runs backwards when it reaches the output and it or a layer before it has parameters; an edge carries a
        // gradient back only to a layer that needs one.
        var needsGradient = new bool[count];
        for (int i = 1; i < count; i++)
            needsGradient[i] = layers[i].ParameterCount > 0 || layers[i].Inputs.Any(j => needsGradient[j]);
        var reachesOutput = new bool[count];
        reachesOutput[count - 1] = true;
        for (int i = count - 1; i > 0; i--)
            if (reachesOutput[i])
                foreach (int j in layers[i].Inputs) reachesOutput[j] = true;

        // Deltas: the first gradient into a buffer (in backward order) is written to its delta; every further one to a
        // buffer of its own, summed in before the producer runs backwards.
        var written = new bool[count];
        var contributions = new List<BufferRef>[count];
        BufferRef DeltaTarget(int input)
        {
            int o = owner[input];
            if (!written[o])
            {
                written[o] = true;
                return buffers[o];
            }
            var contribution = allocate(buffers[o].Width);
            (contributions[o] ??= new List<BufferRef>()).Add(contribution);
            return contribution;
        }
        bool Propagates(int input) => needsGradient[input];
        // Dense-like producers keep their delta at the pre-activation, so the gradient into them is multiplied by f′.
        ActivationPlan DerivativeOf(int input)
        {
            var producer = layers[owner[input]];
            return producer.Kind.HasFusedActivation() && producer.Activation.Kind != ActivationKind.Softmax ? producer.Activation : ActivationPlan.Linear;
        }

        for (int i = count - 1; i >= 1; i--)
        {
            var layer = layers[i];
            if (layer.Kind == LayerKind.Flatten || !reachesOutput[i] || !needsGradient[i]) continue;
            if (contributions[i] is { } parts)
                backward.Add(new GradientSumOp(layer.Name, buffers[i], parts.ToEquatableArray()));
            bool softmax = layer.Kind == LayerKind.Dense && layer.Activation.Kind == ActivationKind.Softmax;
            bool softmaxFused = i == count - 1 && loss.Fusion is LossFusion.SoftmaxCrossEntropyOnProbabilities;
            if (softmax && !softmaxFused) backward.Add(new SoftmaxBackwardOp(layer.Name, buffers[i]));

            int first = layer.Inputs[0];
            var input = buffers[first];
            var output = buffers[i];
            bool propagate = Propagates(first);
            // Only one input: decide its delta target now (Add and Concat take theirs per input below).
            BufferRef? target = propagate && layer.Kind is not (LayerKind.Add or LayerKind.Concat) ? DeltaTarget(first) : null;
            var derivative = propagate ? DerivativeOf(first) : ActivationPlan.Linear;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    backward.Add(new DenseBackwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset,
                        propagate, derivative, IsUnrolled(layer.InputSize, layer.OutputSize, network.UnrollLimit), target ?? input));
                    break;
                case LayerKind.Dropout:
                    backward.Add(new DropoutBackwardOp(layer.Name, input, output, extra[i]!, derivative, target!));
                    break;
                case LayerKind.PReLU:
                    backward.Add(new PReLUBackwardOp(layer.Name, input, output, layer.WeightOffset, propagate, derivative, target ?? input));
                    break;
                case LayerKind.BatchNorm:
                    backward.Add(new BatchNormBackwardOp(layer.Name, input, output, extra[i]!, layer.WeightOffset,
                        layer.BiasOffset, scratch[i], layer.Activation, propagate, derivative, layer.Channels, target ?? input));
                    break;
                case LayerKind.Conv1D or LayerKind.Conv2D:
                    backward.Add(new ConvBackwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset, layer.Window!, target, derivative));
                    break;
                case LayerKind.ConvTranspose2D:
                    backward.Add(new ConvTransposeBackwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset, layer.Window!, target, derivative));
                    break;
                case LayerKind.SeparableConv2D:
                {
                    var (depthwise, pointwise) = SeparableParts(layer);
                    backward.Add(new ConvBackwardOp(layer.Name + "_pointwise", hidden[i]!, output, pointwise.WeightOffset, pointwise.BiasOffset,
                        pointwise.Window, hidden[i]!, ActivationPlan.Linear));
                    backward.Add(new ConvBackwardOp(layer.Name + "_depthwise", input, hidden[i]!, depthwise.WeightOffset, depthwise.BiasOffset,
                        layer.Window!, target, derivative));
                    break;
                }
                case LayerKind.MaxPool:
                    backward.Add(new PoolBackwardOp(layer.Name, PoolKind.Max, input, output, extra[i], layer.Window!, target!, derivative));
                    break;
                case LayerKind.AvgPool:
                    backward.Add(new PoolBackwardOp(layer.Name, PoolKind.Average, input, output, null, layer.Window!, target!, derivative));
                    break;
                case LayerKind.GlobalAveragePool:
                    backward.Add(new PoolBackwardOp(layer.Name, PoolKind.GlobalAverage, input, output, null, layer.Window!, target!, derivative));
                    break;
                case LayerKind.MaxUnpool:
                    backward.Add(new UnpoolBackwardOp(layer.Name, input, output, extra[network.Layers[i].SwitchSource]!, layer.Window!, target!, derivative));
                    break;
                case LayerKind.Add or LayerKind.Concat:
                {
                    var joined = layer.Inputs.Select(j => Propagates(j)
                        ? new JoinedInput(buffers[j], DeltaTarget(j), DerivativeOf(j))
                        : new JoinedInput(buffers[j], null, ActivationPlan.Linear)).ToEquatableArray();
                    backward.Add(layer.Kind == LayerKind.Add ? new AddBackwardOp(layer.Name, output, joined) : new ConcatBackwardOp(layer.Name, output, joined));
                    break;
                }
                case LayerKind.Maxout:
                    backward.Add(new PoolBackwardOp(layer.Name, PoolKind.Max, hidden[i]!, output, extra[i], MaxoutWindow(layer), hidden[i]!, ActivationPlan.Linear));
                    backward.Add(new DenseBackwardOp(layer.Name, input, hidden[i]!, layer.WeightOffset, layer.BiasOffset, propagate, derivative,
                        IsUnrolled(layer.InputSize, layer.OutputSize * layer.Pieces, network.UnrollLimit), target ?? input));
                    break;
            }
        }
    }

    /// <summary>A separable convolution's two parts: depthwise weight then pointwise weight, depthwise bias then pointwise bias.</summary>
    private static ((int WeightOffset, int BiasOffset) Depthwise, (int WeightOffset, int BiasOffset, Window2D Window) Pointwise) SeparableParts(LayerPlan layer)
    {
        var dw = layer.Window!;
        int filters = layer.OutputShape[0];
        var pointwise = new Window2D(dw.OutChannels, dw.OutHeight, dw.OutWidth, filters, 1, 1, 1, 1, 0, 0, 1);
        return ((layer.WeightOffset, layer.BiasOffset), (layer.WeightOffset + dw.WeightCount, layer.BiasOffset + dw.OutChannels, pointwise));
    }

    /// <summary>Maxout's maximum as a max pooling over one row of units·pieces values, windows of <c>pieces</c>.</summary>
    private static Window2D MaxoutWindow(LayerPlan layer) =>
        new(1, 1, layer.OutputSize * layer.Pieces, 1, 1, layer.Pieces, 1, layer.Pieces, 0, 0, 1);

    /// <summary>Forward floating-point operations per sample (a multiply-add counts 2), as the Summary reports them.</summary>
    private static long Flops(ShapedLayer layer, EquatableArray<ShapedLayer> layers) => layer.Kind switch
    {
        LayerKind.Dense => 2L * layer.InputSize * layer.OutputSize,
        LayerKind.Maxout => 2L * layer.InputSize * layer.OutputSize * layer.Pieces + (long)layer.OutputSize * layer.Pieces,
        LayerKind.Conv1D or LayerKind.Conv2D or LayerKind.ConvTranspose2D => 2L * layer.Window!.MultiplyAdds,
        LayerKind.SeparableConv2D => 2L * layer.Window!.MultiplyAdds + 2L * layer.Window.OutputSize * layer.OutputShape[0],
        LayerKind.MaxPool or LayerKind.AvgPool => (long)layer.Window!.OutputSize * layer.Window.KernelHeight * layer.Window.KernelWidth,
        LayerKind.GlobalAveragePool => layer.InputSize,
        LayerKind.Add => (long)layer.OutputSize * (layer.Inputs.Count - 1),
        LayerKind.BatchNorm => 2L * layer.OutputSize,
        LayerKind.Dropout or LayerKind.PReLU or LayerKind.MaxUnpool => layer.OutputSize,
        _ => 0,
    };

    /// <summary>
    /// Saved tensors with PyTorch's names and shapes: Linear's and Conv's weight and bias, BatchNorm's weight, bias and running
    /// statistics, PReLU's weight; a separable convolution's parts are <c>.depthwise</c> and <c>.pointwise</c>.
    /// </summary>
    private static ImmutableArray<TensorPlan> Tensors(ImmutableArray<LayerPlan>.Builder layers)
    {
        var tensors = ImmutableArray.CreateBuilder<TensorPlan>();
        void Add(string name, bool state, int offset, params int[] shape) => tensors.Add(new TensorPlan(name, shape.ToEquatableArray(), state, offset));
        foreach (var layer in layers)
        {
            var w = layer.Window;
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    Add(layer.Name + ".weight", false, layer.WeightOffset, layer.OutputSize, layer.InputSize);
                    Add(layer.Name + ".bias", false, layer.BiasOffset, layer.OutputSize);
                    break;
                case LayerKind.Maxout:
                    Add(layer.Name + ".weight", false, layer.WeightOffset, layer.OutputSize * layer.Pieces, layer.InputSize);
                    Add(layer.Name + ".bias", false, layer.BiasOffset, layer.OutputSize * layer.Pieces);
                    break;
                case LayerKind.Conv1D:
                    Add(layer.Name + ".weight", false, layer.WeightOffset, w!.OutChannels, w.InChannels / w.Groups, w.KernelWidth);
                    Add(layer.Name + ".bias", false, layer.BiasOffset, w.OutChannels);
                    break;
                case LayerKind.Conv2D:
                    Add(layer.Name + ".weight", false, layer.WeightOffset, w!.OutChannels, w.InChannels / w.Groups, w.KernelHeight, w.KernelWidth);
                    Add(layer.Name + ".bias", false, layer.BiasOffset, w.OutChannels);
                    break;
                case LayerKind.ConvTranspose2D:
                    // ConvTranspose2d's weight [in, out, k, k] is the transposed convolution's [OutC, InC, k, k].
                    Add(layer.Name + ".weight", false, layer.WeightOffset, w!.OutChannels, w.InChannels, w.KernelHeight, w.KernelWidth);
                    Add(layer.Name + ".bias", false, layer.BiasOffset, w.InChannels);
                    break;
                case LayerKind.SeparableConv2D:
                {
                    var (depthwise, pointwise) = SeparableParts(layer);
                    Add(layer.Name + ".depthwise.weight", false, depthwise.WeightOffset, w!.OutChannels, 1, w.KernelHeight, w.KernelWidth);
                    Add(layer.Name + ".depthwise.bias", false, depthwise.BiasOffset, w.OutChannels);
                    Add(layer.Name + ".pointwise.weight", false, pointwise.WeightOffset, pointwise.Window.OutChannels, pointwise.Window.InChannels, 1, 1);
                    Add(layer.Name + ".pointwise.bias", false, pointwise.BiasOffset, pointwise.Window.OutChannels);
                    break;
                }
                case LayerKind.BatchNorm:
                    Add(layer.Name + ".weight", false, layer.WeightOffset, layer.Channels);
                    Add(layer.Name + ".bias", false, layer.BiasOffset, layer.Channels);
                    Add(layer.Name + ".running_mean", true, layer.StateOffset, layer.Channels);
                    Add(layer.Name + ".running_var", true, layer.StateOffset + layer.Channels, layer.Channels);
                    break;
                case LayerKind.PReLU:
                    Add(layer.Name + ".weight", false, layer.WeightOffset, 1);
                    break;
            }
        }
        return tensors.ToImmutable();
    }

    /// <summary>Penalised ranges: weights of Dense, Maxout and convolution layers, and biases and normalisation parameters only when asked for.</summary>
    private static ImmutableArray<RegularizationPlan> Regularization(ShapedNetwork network, ImmutableArray<LayerPlan>.Builder layers)
    {
        var ranges = ImmutableArray.CreateBuilder<RegularizationPlan>();
        for (int i = 0; i < layers.Count; i++)
        {
            var shaped = network.Layers[i];
            var layer = layers[i];
            if (shaped.L1 == 0f && shaped.L2 == 0f || layer.ParameterCount == 0) continue;
            bool weighted = layer.Kind is LayerKind.Dense or LayerKind.Maxout || layer.Kind.IsConvolution();
            if (weighted)
                ranges.Add(new RegularizationPlan(layer.Name, layer.WeightOffset, layer.WeightCount, shaped.L1, shaped.L2));
            if (shaped.RegularizeBias)
            {
                if (!weighted && layer.WeightCount > 0)
                    ranges.Add(new RegularizationPlan(layer.Name, layer.WeightOffset, layer.WeightCount, shaped.L1, shaped.L2));
                if (layer.BiasCount > 0)
                    ranges.Add(new RegularizationPlan(layer.Name, layer.BiasOffset, layer.BiasCount, shaped.L1, shaped.L2));
            }
        }
        return ranges.ToImmutable();
    }

    private static bool IsUnrolled(int inputSize, int outputSize, int unrollLimit) => (long)inputSize * outputSize <= unrollLimit;

    private static LossPlan LowerLoss(LossKind kind, LayerPlan output, BufferRef buffer)
    {
        var activation = output.Kind.HasFusedActivation() ? output.Activation : ActivationPlan.Linear;
        bool softmax = activation.Kind == ActivationKind.Softmax;
        // A softmax output under MSE or BCE gets its Jacobian from a separate SoftmaxBackwardOp.
        var elementwise = softmax ? ActivationPlan.Linear : activation;
        return kind switch
        {
            LossKind.BinaryCrossEntropy when activation.Kind == ActivationKind.Logistic =>
                new LossPlan(kind, LossFusion.BinaryCrossEntropyLogistic, buffer, ActivationPlan.Linear, activation.Slope),
            LossKind.BinaryCrossEntropy => new LossPlan(kind, LossFusion.BinaryCrossEntropy, buffer, elementwise, float.NaN),
            LossKind.SoftmaxCrossEntropy when softmax =>
                new LossPlan(kind, LossFusion.SoftmaxCrossEntropyOnProbabilities, buffer, ActivationPlan.Linear, float.NaN),
            LossKind.SoftmaxCrossEntropy => new LossPlan(kind, LossFusion.SoftmaxCrossEntropyOnLogits, buffer, elementwise, float.NaN),
            _ => new LossPlan(LossKind.MeanSquaredError, LossFusion.MeanSquaredError, buffer, elementwise, float.NaN),
        };
    }
}
