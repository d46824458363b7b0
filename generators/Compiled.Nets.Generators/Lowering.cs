using System.Collections.Immutable;
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
        // Parameter arena: per layer weight [out, in] then bias, in declaration order (PyTorch's state_dict order).
        var layers = ImmutableArray.CreateBuilder<LayerPlan>();
        var buffers = ImmutableArray.CreateBuilder<BufferRef>();
        int parameterOffset = 0, activationOffset = 0;
        foreach (var layer in network.Layers)
        {
            var activation = new ActivationPlan(layer.Activation, layer.Slope);
            if (layer.Kind == LayerKind.Input)
            {
                layers.Add(new LayerPlan(layer.Name, layer.Kind, layer.OutputShape, 0, layer.OutputSize, activation, layer.Initialization,
                    0, 0, 0, 0, layer.Modifiers, layer.IsPartial));
                buffers.Add(new BufferRef(-1, layer.OutputSize));
                continue;
            }
            int weightOffset = parameterOffset;
            int biasOffset = weightOffset + layer.WeightCount;
            parameterOffset = biasOffset + layer.BiasCount;
            layers.Add(new LayerPlan(layer.Name, layer.Kind, layer.OutputShape, layer.InputSize, layer.OutputSize, activation,
                layer.Initialization, weightOffset, layer.WeightCount, biasOffset, layer.BiasCount, layer.Modifiers, layer.IsPartial));
            buffers.Add(new BufferRef(activationOffset, layer.OutputSize));
            activationOffset += layer.OutputSize;
        }

        var forward = ImmutableArray.CreateBuilder<OpPlan>();
        for (int i = 1; i < layers.Count; i++)
        {
            var layer = layers[i];
            bool softmax = layer.Activation.Kind == ActivationKind.Softmax;
            forward.Add(new DenseForwardOp(layer.Name, buffers[i - 1], buffers[i], layer.WeightOffset, layer.BiasOffset,
                softmax ? ActivationPlan.Linear : layer.Activation, IsUnrolled(layer, network.UnrollLimit)));
            if (softmax) forward.Add(new SoftmaxForwardOp(layer.Name, buffers[i]));
        }

        LossPlan? loss = null;
        var backward = ImmutableArray.CreateBuilder<OpPlan>();
        if (network.Training == TrainingRuleKind.GradientDescent)
        {
            var output = layers[layers.Count - 1];
            var outputBuffer = buffers[buffers.Count - 1];
            loss = LowerLoss(network.Loss, output, outputBuffer);
            bool softmaxOutputNeedsBackward = output.Activation.Kind == ActivationKind.Softmax
                && loss.Fusion is LossFusion.MeanSquaredError or LossFusion.BinaryCrossEntropy;
            if (softmaxOutputNeedsBackward) backward.Add(new SoftmaxBackwardOp(output.Name, outputBuffer));

            for (int i = layers.Count - 1; i >= 1; i--)
            {
                var layer = layers[i];
                var previous = layers[i - 1];
                bool propagate = previous.Kind != LayerKind.Input;
                bool previousSoftmax = previous.Activation.Kind == ActivationKind.Softmax;
                backward.Add(new DenseBackwardOp(layer.Name, buffers[i - 1], buffers[i], layer.WeightOffset, layer.BiasOffset,
                    propagate, propagate && !previousSoftmax ? previous.Activation : ActivationPlan.Linear,
                    IsUnrolled(layer, network.UnrollLimit)));
                if (propagate && previousSoftmax) backward.Add(new SoftmaxBackwardOp(previous.Name, buffers[i - 1]));
            }
        }

        var outputLayer = layers[layers.Count - 1];
        return new NetworkPlan(network.Type, network.Loss, network.Training, network.Seed, network.LearningRate,
            layers[0].OutputSize, outputLayer.OutputSize, parameterOffset, activationOffset, buffers[buffers.Count - 1],
            layers.ToEquatableArray(), forward.ToEquatableArray(), loss, backward.ToEquatableArray());
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
