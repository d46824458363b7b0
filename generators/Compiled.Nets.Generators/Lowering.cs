using System.Collections.Immutable;
using System.Linq;
using Compiled.Nets.Generators.Model;

namespace Compiled.Nets.Generators;

/// <summary>
/// ShapedNetwork → NetworkPlan: lays out the arenas, chooses unrolled or SIMD code per layer, and turns
/// layers into fused ops for the forward pass, the loss and the backward pass.
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
        // Arenas. Parameters: per layer weight then bias, in declaration order (PyTorch's state_dict order).
        // Activations: every layer's output side by side, then the extra per-sample buffers (dropout masks, x̂).
        var layers = ImmutableArray.CreateBuilder<LayerPlan>();
        var buffers = ImmutableArray.CreateBuilder<BufferRef>();
        int parameterOffset = 0, stateOffset = 0, activationOffset = 0;
        foreach (var layer in network.Layers)
        {
            var activation = new ActivationPlan(layer.Activation, layer.Slope);
            int weightOffset = parameterOffset;
            int biasOffset = weightOffset + layer.WeightCount;
            parameterOffset = biasOffset + layer.BiasCount;
            layers.Add(new LayerPlan(layer.Name, layer.Kind, layer.OutputShape, layer.InputSize, layer.OutputSize, activation,
                layer.Initialization, weightOffset, layer.WeightCount, biasOffset, layer.BiasCount, layer.BiasInitialValue,
                stateOffset, layer.StateCount, layer.Modifiers, layer.IsPartial));
            stateOffset += layer.StateCount;
            if (layer.Kind == LayerKind.Input)
            {
                buffers.Add(new BufferRef(-1, layer.OutputSize));
                continue;
            }
            buffers.Add(new BufferRef(activationOffset, layer.OutputSize));
            activationOffset += layer.OutputSize;
        }
        // Extra per-sample buffers, one per Dropout (its mask) and BatchNorm (x̂).
        var extra = new BufferRef?[layers.Count];
        int scratchOffset = 0;
        var scratch = new int[layers.Count];
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i].Kind is LayerKind.Dropout or LayerKind.BatchNorm)
            {
                extra[i] = new BufferRef(activationOffset, layers[i].OutputSize);
                activationOffset += layers[i].OutputSize;
            }
            if (layers[i].Kind == LayerKind.BatchNorm)
            {
                scratch[i] = scratchOffset;
                scratchOffset += layers[i].OutputSize;
            }
        }

        var forward = ImmutableArray.CreateBuilder<OpPlan>();
        for (int i = 1; i < layers.Count; i++)
        {
            var layer = layers[i];
            var input = buffers[i - 1];
            var output = buffers[i];
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    bool softmax = layer.Activation.Kind == ActivationKind.Softmax;
                    forward.Add(new DenseForwardOp(layer.Name, input, output, layer.WeightOffset, layer.BiasOffset,
                        softmax ? ActivationPlan.Linear : layer.Activation, IsUnrolled(layer, network.UnrollLimit)));
                    if (softmax) forward.Add(new SoftmaxForwardOp(layer.Name, output));
                    break;
                case LayerKind.Dropout:
                    forward.Add(new DropoutForwardOp(layer.Name, input, output, extra[i]!, network.Layers[i].Rate));
                    break;
                case LayerKind.PReLU:
                    forward.Add(new PReLUForwardOp(layer.Name, input, output, layer.WeightOffset));
                    break;
                case LayerKind.BatchNorm:
                    forward.Add(new BatchNormForwardOp(layer.Name, input, output, extra[i]!, layer.WeightOffset, layer.BiasOffset,
                        layer.StateOffset, scratch[i], network.Layers[i].Momentum, network.Layers[i].Epsilon, layer.Activation));
                    break;
            }
        }

        LossPlan? loss = null;
        var backward = ImmutableArray.CreateBuilder<OpPlan>();
        if (network.Training == TrainingRuleKind.GradientDescent)
        {
            var outputLayer = layers[layers.Count - 1];
            var outputBuffer = buffers[buffers.Count - 1];
            loss = LowerLoss(network.Loss, outputLayer, outputBuffer);
            bool softmaxOutputNeedsBackward = outputLayer.Activation.Kind == ActivationKind.Softmax
                && loss.Fusion is LossFusion.MeanSquaredError or LossFusion.BinaryCrossEntropy;
            if (softmaxOutputNeedsBackward) backward.Add(new SoftmaxBackwardOp(outputLayer.Name, outputBuffer));

            for (int i = layers.Count - 1; i >= 1; i--)
            {
                var layer = layers[i];
                var previous = layers[i - 1];
                bool propagate = previous.Kind != LayerKind.Input;
                // A Dense layer's delta sits at its pre-activation, so whoever feeds it multiplies by its derivative;
                // other layers' deltas sit at their outputs. A softmax needs its own Jacobian op afterwards.
                bool previousSoftmax = previous.Kind == LayerKind.Dense && previous.Activation.Kind == ActivationKind.Softmax;
                var inputDerivative = propagate && previous.Kind == LayerKind.Dense && !previousSoftmax ? previous.Activation : ActivationPlan.Linear;
                switch (layer.Kind)
                {
                    case LayerKind.Dense:
                        backward.Add(new DenseBackwardOp(layer.Name, buffers[i - 1], buffers[i], layer.WeightOffset, layer.BiasOffset,
                            propagate, inputDerivative, IsUnrolled(layer, network.UnrollLimit)));
                        break;
                    case LayerKind.Dropout:
                        if (propagate) backward.Add(new DropoutBackwardOp(layer.Name, buffers[i - 1], buffers[i], extra[i]!, inputDerivative));
                        break;
                    case LayerKind.PReLU:
                        backward.Add(new PReLUBackwardOp(layer.Name, buffers[i - 1], buffers[i], layer.WeightOffset, propagate, inputDerivative));
                        break;
                    case LayerKind.BatchNorm:
                        backward.Add(new BatchNormBackwardOp(layer.Name, buffers[i - 1], buffers[i], extra[i]!, layer.WeightOffset,
                            layer.BiasOffset, scratch[i], layer.Activation, propagate, inputDerivative));
                        break;
                }
                if (propagate && previousSoftmax) backward.Add(new SoftmaxBackwardOp(previous.Name, buffers[i - 1]));
                // Nothing before a dropout right after the input has parameters: the backward pass ends there.
                if (layer.Kind == LayerKind.Dropout && !propagate) break;
            }
        }

        var last = layers[layers.Count - 1];
        return new NetworkPlan(network.Type, network.Loss, network.Training, network.Seed, network.LearningRate,
            layers[0].OutputSize, last.OutputSize, parameterOffset, stateOffset, scratchOffset, activationOffset,
            buffers[buffers.Count - 1], layers.ToEquatableArray(), Tensors(layers).ToEquatableArray(),
            Regularization(network, layers).ToEquatableArray(), forward.ToEquatableArray(), loss, backward.ToEquatableArray());
    }

    /// <summary>Saved tensors with PyTorch's names: Linear's weight and bias, BatchNorm1d's weight, bias and running statistics, PReLU's weight.</summary>
    private static ImmutableArray<TensorPlan> Tensors(ImmutableArray<LayerPlan>.Builder layers)
    {
        var tensors = ImmutableArray.CreateBuilder<TensorPlan>();
        foreach (var layer in layers)
        {
            switch (layer.Kind)
            {
                case LayerKind.Dense:
                    tensors.Add(new TensorPlan(layer.Name + ".weight", new[] { layer.OutputSize, layer.InputSize }.ToEquatableArray(), false, layer.WeightOffset));
                    tensors.Add(new TensorPlan(layer.Name + ".bias", new[] { layer.OutputSize }.ToEquatableArray(), false, layer.BiasOffset));
                    break;
                case LayerKind.BatchNorm:
                    var features = new[] { layer.OutputSize }.ToEquatableArray();
                    tensors.Add(new TensorPlan(layer.Name + ".weight", features, false, layer.WeightOffset));
                    tensors.Add(new TensorPlan(layer.Name + ".bias", features, false, layer.BiasOffset));
                    tensors.Add(new TensorPlan(layer.Name + ".running_mean", features, true, layer.StateOffset));
                    tensors.Add(new TensorPlan(layer.Name + ".running_var", features, true, layer.StateOffset + layer.OutputSize));
                    break;
                case LayerKind.PReLU:
                    tensors.Add(new TensorPlan(layer.Name + ".weight", new[] { 1 }.ToEquatableArray(), false, layer.WeightOffset));
                    break;
            }
        }
        return tensors.ToImmutable();
    }

    /// <summary>Penalised ranges: Dense weights, and biases and normalisation parameters only when asked for.</summary>
    private static ImmutableArray<RegularizationPlan> Regularization(ShapedNetwork network, ImmutableArray<LayerPlan>.Builder layers)
    {
        var ranges = ImmutableArray.CreateBuilder<RegularizationPlan>();
        for (int i = 0; i < layers.Count; i++)
        {
            var shaped = network.Layers[i];
            var layer = layers[i];
            if (shaped.L1 == 0f && shaped.L2 == 0f || layer.Kind == LayerKind.Input) continue;
            if (layer.Kind == LayerKind.Dense)
                ranges.Add(new RegularizationPlan(layer.Name, layer.WeightOffset, layer.WeightCount, shaped.L1, shaped.L2));
            bool biasLike = layer.Kind != LayerKind.Dense;
            if (shaped.RegularizeBias && layer.ParameterCount > 0)
            {
                if (biasLike && layer.WeightCount > 0)
                    ranges.Add(new RegularizationPlan(layer.Name, layer.WeightOffset, layer.WeightCount, shaped.L1, shaped.L2));
                if (layer.BiasCount > 0)
                    ranges.Add(new RegularizationPlan(layer.Name, layer.BiasOffset, layer.BiasCount, shaped.L1, shaped.L2));
            }
        }
        return ranges.ToImmutable();
    }

    private static bool IsUnrolled(LayerPlan layer, int unrollLimit) => (long)layer.InputSize * layer.OutputSize <= unrollLimit;

    private static LossPlan LowerLoss(LossKind kind, LayerPlan output, BufferRef buffer)
    {
        var activation = output.Activation;
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
