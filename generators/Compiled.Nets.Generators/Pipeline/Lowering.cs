using System.Collections.Immutable;
using System.Linq;
using Compiled.Nets.Generators.Model;
using Compiled.Nets.Generators.Pipeline;

namespace Compiled.Nets.Generators;

/// <summary>
/// ShapedNetwork → NetworkPlan: lays out the arenas and asks each layer's family for its ops: the forward pass, the
/// loss, and the backward pass (last layer first; a buffer read by several layers gets their gradients summed before
/// its producer runs backwards).
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
        // input's), then the buffers the families ask for (dropout masks, x̂, switches, internal products).
        var layers = ImmutableArray.CreateBuilder<LayerPlan>();
        var buffers = new BufferRef[count];
        var owner = new int[count]; // the layer whose op writes the buffer (a Flatten's is its input's)
        int parameterOffset = 0, stateOffset = 0, scratchOffset = 0, activationOffset = 0;
        // Every buffer gets a name for the emitted code's constants; a clash (a layer named like another's mask) gets a number.
        var allocated = new System.Collections.Generic.List<BufferRef>();
        var names = new System.Collections.Generic.HashSet<string>();
        string UniqueName(string name)
        {
            string unique = name;
            for (int k = 2; !names.Add(unique); k++) unique = $"{name}{k}";
            return unique;
        }
        for (int i = 0; i < count; i++)
        {
            var layer = shapedLayers[i];
            int weightOffset = parameterOffset;
            int biasOffset = weightOffset + layer.WeightCount;
            parameterOffset = biasOffset + layer.BiasCount;
            layers.Add(new LayerPlan
            {
                Name = layer.Name, Kind = layer.Kind, Options = layer.Options, Detail = layer.Detail, OutputShape = layer.OutputShape,
                InputSize = layer.InputSize, OutputSize = layer.OutputSize, Activation = layer.Activation,
                WeightOffset = weightOffset, WeightCount = layer.WeightCount, BiasOffset = biasOffset, BiasCount = layer.BiasCount,
                StateOffset = stateOffset, StateCount = layer.StateCount, ScratchOffset = scratchOffset,
                Modifiers = layer.Modifiers, IsPartial = layer.IsPartial, Inputs = layer.Inputs, Flops = layer.Family.Flops(layer), Steps = layer.Steps, Trainable = layer.Trainable,
            });
            stateOffset += layer.StateCount;
            scratchOffset += layer.ScratchCount;
            owner[i] = i;
            if (layer.Family.IsInput)
            {
                buffers[i] = new BufferRef(-1, layer.OutputSize);
                continue;
            }
            if (layer.Family.SharesInputBuffer(layer.Options))
            {
                owner[i] = owner[layer.Inputs[0]];
                buffers[i] = buffers[layer.Inputs[0]] with { Width = layer.OutputSize };
                continue;
            }
            buffers[i] = new BufferRef(activationOffset, layer.OutputSize) { Name = UniqueName(layer.Name) };
            allocated.Add(buffers[i]);
            activationOffset += layer.OutputSize;
        }
        BufferRef Allocate(int width, string name)
        {
            var buffer = new BufferRef(activationOffset, width) { Name = UniqueName(name) };
            allocated.Add(buffer);
            activationOffset += width;
            return buffer;
        }

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

        var context = new LoweringContext(network, layers, buffers, owner, Allocate, needsGradient);
        for (int i = 0; i < count; i++) shapedLayers[i].Family.AllocateBuffers(context, i);
        for (int i = 1; i < count; i++) shapedLayers[i].Family.LowerForward(context, i);

        var terms = ImmutableArray.CreateBuilder<LossTermPlan>();
        CompositionPlan? composition = null;
        if (network.Training == TrainingRuleKind.GradientDescent)
        {
            var loss = LowerLoss(network.Loss, network.Output, buffers[count - 1]);
            if (network.SumPerSample && loss.Kind != LossKind.SoftmaxCrossEntropy) loss = loss with { SumFactor = network.Output.OutputSize };
            context.Loss = loss;
            terms.Add(new OutputLossTerm(loss));
            for (int i = 1; i < count; i++) terms.AddRange(shapedLayers[i].Family.LossTerms(context, i));
            // Activity penalties: a term per penalised layer on the buffer it writes (a Flatten's is its input's).
            var penalised = new System.Collections.Generic.Dictionary<int, (string Layer, float Lambda)>();
            for (int i = 1; i < count; i++)
            {
                if (shapedLayers[i].ActivityL1 == 0f) continue;
                terms.Add(new ActivityL1Term(shapedLayers[i].Name, buffers[owner[i]], shapedLayers[i].ActivityL1));
                penalised[owner[i]] = (shapedLayers[i].Name, shapedLayers[i].ActivityL1);
            }
            var sparse = new System.Collections.Generic.Dictionary<int, (string Layer, float Rho, float Beta)>();
            for (int i = 1; i < count; i++)
            {
                if (shapedLayers[i].SparsityWeight == 0f) continue;
                terms.Add(new KlSparsityTerm(shapedLayers[i].Name, buffers[owner[i]], shapedLayers[i].SparsityTarget, shapedLayers[i].SparsityWeight));
                sparse[owner[i]] = (shapedLayers[i].Name, shapedLayers[i].SparsityTarget, shapedLayers[i].SparsityWeight);
            }
            void LowerBackwardPass(LoweringContext pass, BufferRef[] passBuffers, bool[] needs)
            {
                for (int i = count - 1; i >= 1; i--)
                {
                    var layer = shapedLayers[i];
                    if (layer.Family.SharesInputBuffer(layer.Options) || !reachesOutput[i] || !needs[i]) continue;
                    if (pass.ContributionsTo(i) is { } parts)
                        pass.Backward(new GradientSumOp(layer.Name, passBuffers[i], parts.ToEquatableArray()));
                    if (penalised.TryGetValue(i, out var penalty))
                        pass.Backward(new ActivityL1GradientOp(penalty.Layer, passBuffers[i], penalty.Lambda, pass.DerivativeOf(i)));
                    if (sparse.TryGetValue(i, out var kl))
                        pass.Backward(new KlSparsityGradientOp(kl.Layer, passBuffers[i], kl.Rho, kl.Beta, pass.DerivativeOf(i)));
                    layer.Family.LowerBackward(pass, i);
                }
            }
            LowerBackwardPass(context, buffers, needsGradient);

            // The composition pass (stateless networks only: a carried state has no caller-driven backward): the same
            // backward ops with the input in a buffer of its own, which ForwardTraining fills and whose delta is ∂L/∂x.
            if (context.CarriedStates.Count == 0)
            {
                var inputCopy = Allocate(layers[0].OutputSize, "Input_copy");
                var passBuffers = (BufferRef[])buffers.Clone();
                for (int i = 0; i < count; i++)
                    if (owner[i] == 0) passBuffers[i] = inputCopy with { Width = buffers[i].Width };
                var needs = new bool[count];
                needs[0] = !network.Input.IsTokens; // token ids have no gradient
                for (int i = 1; i < count; i++) needs[i] = layers[i].ParameterCount > 0 || layers[i].Inputs.Any(j => needs[j]);
                var pass = context.WithBuffers(passBuffers, needs);
                LowerBackwardPass(pass, passBuffers, needs);
                if (needs[0] && pass.ContributionsTo(0) is { } inputParts)
                    pass.Backward(new GradientSumOp(layers[0].Name, inputCopy, inputParts.ToEquatableArray()));
                composition = new CompositionPlan(pass.BackwardOps.ToEquatableArray(), inputCopy, needs[0] && pass.WroteGradientInto(0),
                    StartProblems(network, layers).ToEquatableArray(), buffers.ToEquatableArray());
            }
        }

        return new NetworkPlan(network.Type, network.Loss, network.Training, network.Seed, network.LearningRate,
            layers[0].OutputSize, layers[count - 1].OutputSize, parameterOffset, stateOffset, scratchOffset, activationOffset,
            buffers[count - 1], layers.ToEquatableArray(), layers.SelectMany(l => l.Family.Tensors(l)).ToEquatableArray(),
            Regularization(network, layers).ToEquatableArray(), context.ForwardOps.ToEquatableArray(), terms.ToEquatableArray(), context.BackwardOps.ToEquatableArray(),
            context.RandomStreams.ToEquatableArray(), allocated.ToEquatableArray(), context.CarriedStates.ToEquatableArray(), context.TokenVocabulary,
            Generation(network, context.TokenVocabulary), composition);
    }

    /// <summary>
    /// Per layer, why the layers after it cannot run from its outputs alone ("" when they can): a later layer that reads,
    /// or takes switches from, a layer before it (a skip connection around the split).
    /// </summary>
    private static System.Collections.Generic.IEnumerable<string> StartProblems(ShapedNetwork network, ImmutableArray<LayerPlan>.Builder layers)
    {
        int count = layers.Count;
        var index = new System.Collections.Generic.Dictionary<string, int>();
        for (int i = 0; i < count; i++) index[layers[i].Name] = i;
        for (int split = 0; split < count; split++)
        {
            string problem = "";
            for (int j = split + 1; j < count && problem.Length == 0; j++)
            {
                var layer = network.Layers[j];
                foreach (int i in layer.Inputs)
                    if (i < split) { problem = $"layer {layers[j].Name} reads {layers[i].Name}, which comes before {layers[split].Name}"; break; }
                if (problem.Length > 0 || !layer.Family.ReferencesActivations) continue;
                foreach (string name in layer.Family.References(layer.Options))
                    if (index.TryGetValue(name, out int r) && r < split) { problem = $"layer {layers[j].Name} uses {name}, which comes before {layers[split].Name}"; break; }
            }
            yield return problem;
        }
    }

    /// <summary>Free-running generation when the output is a sequence of the input's steps that can be fed back as the next input.</summary>
    private static GenerationPlan? Generation(ShapedNetwork network, int vocabulary)
    {
        var input = network.Input;
        var output = network.Output;
        if (input.Steps == 0 || output.Steps != input.Steps) return null;
        int outputWidth = output.OutputSize / output.Steps;
        bool probabilities = output.Activation.Kind == ActivationKind.Softmax;
        if (input.IsTokens)
            return outputWidth == vocabulary ? new GenerationPlan(input.Steps, vocabulary, Tokens: true, probabilities) : null;
        return outputWidth == input.OutputSize / input.Steps ? new GenerationPlan(input.Steps, outputWidth, Tokens: false, probabilities) : null;
    }

    /// <summary>Penalised ranges: the weights of the layers whose family says so, biases and normalisation parameters only when asked for.</summary>
    private static ImmutableArray<RegularizationPlan> Regularization(ShapedNetwork network, ImmutableArray<LayerPlan>.Builder layers)
    {
        var ranges = ImmutableArray.CreateBuilder<RegularizationPlan>();
        for (int i = 0; i < layers.Count; i++)
        {
            var shaped = network.Layers[i];
            var layer = layers[i];
            if (shaped.L1 == 0f && shaped.L2 == 0f || layer.ParameterCount == 0) continue;
            bool weighted = layer.Family.PenalizesWeights(layer);
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

    private static LossPlan LowerLoss(LossKind kind, ShapedLayer output, BufferRef buffer) =>
        LowerLossOf(kind, output, buffer) with { Steps = output.Steps };

    private static LossPlan LowerLossOf(LossKind kind, ShapedLayer output, BufferRef buffer)
    {
        var activation = output.DeltaAtPreActivation ? output.Activation : ActivationPlan.Linear;
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
